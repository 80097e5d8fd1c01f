// sigstore-verify.cjs runs the check of sigstore-python's
//
//   sigstore verify identity --cert-identity ID --cert-oidc-issuer ISSUER --bundle BUNDLE FILE
//
// with sigstore-js's @sigstore/verify (an independent implementation), plus
// the trusted root of a private Sigstore:
//
//   NODE_PATH=tools/node/node_modules node sigstore-verify.cjs \
//     --trusted-root trusted_root.json --cert-identity ID --cert-oidc-issuer ISSUER --bundle BUNDLE FILE
//
// The identity is matched exactly (@sigstore/verify takes a regular
// expression: it is escaped and anchored here), the issuer exactly; one
// transparency-log entry, one CT log SCT and one signed timestamp are
// required, as for cosign. Exit status 0: verified; 1: refused; 2: usage.
'use strict';
const fs = require('fs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

function usage(msg) {
  process.stderr.write(`sigstore-verify: ${msg}\nusage: sigstore-verify.cjs --trusted-root F --cert-identity ID --cert-oidc-issuer ISSUER --bundle B FILE\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const opts = {};
const files = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (['--trusted-root', '--cert-identity', '--cert-oidc-issuer', '--bundle'].includes(a)) {
    if (i + 1 >= args.length) usage(`${a} needs a value`);
    opts[a] = args[++i];
  } else if (a.startsWith('-')) {
    usage(`unknown flag ${a}`);
  } else {
    files.push(a);
  }
}
for (const f of ['--trusted-root', '--cert-identity', '--cert-oidc-issuer', '--bundle']) {
  if (!opts[f]) usage(`${f} is required`);
}
if (files.length !== 1) usage('exactly one FILE');

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
try {
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(opts['--trusted-root'], 'utf8')));
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(opts['--bundle'], 'utf8')));
  const verifier = new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
  const signer = verifier.verify(toSignedEntity(bundle, fs.readFileSync(files[0])), {
    subjectAlternativeName: '^' + escape(opts['--cert-identity']) + '$',
    extensions: { issuer: opts['--cert-oidc-issuer'] },
  });
  process.stdout.write(`OK: ${files[0]} signed by ${signer.identity.subjectAlternativeName} (issuer ${signer.identity.extensions.issuer})\n`);
} catch (e) {
  process.stderr.write(`sigstore-verify: ${files[0]}: ${e.code || e.name}: ${e.message}\n`);
  process.exit(1);
}
