// sigstore-js-verify verifies a Sigstore bundle with sigstore-js
// (@sigstore/verify 3.x), an implementation independent of sigstore-go, for
// tagship's interop tests:
//
//   NODE_PATH=tools/node/node_modules node sigstore-js-verify.js \
//     --bundle B --trusted-root trusted_root.json \
//     (--certificate-identity ID --certificate-oidc-issuer URL | --key key.pub) FILE
//
// Thresholds: one transparency-log entry, one timestamp, one SCT when the
// trusted root lists a CT log and the bundle is keyless. Exit 0 and
// "Verified OK" on success, 1 with the error on failure, 2 on usage errors.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { toSignedEntity, toTrustMaterial, Verifier } = require('@sigstore/verify');

function usage(msg) {
  console.error(`sigstore-js-verify: ${msg}`);
  console.error('usage: sigstore-js-verify.js --bundle B --trusted-root F (--certificate-identity ID --certificate-oidc-issuer URL | --key PEM) FILE');
  process.exit(2);
}

const opts = {};
const rest = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i].startsWith('--')) {
    if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
    opts[argv[i].slice(2)] = argv[++i];
  } else {
    rest.push(argv[i]);
  }
}
const keyed = opts.key !== undefined;
if (rest.length !== 1 || !opts.bundle || !opts['trusted-root'] ||
    keyed === (opts['certificate-identity'] !== undefined || opts['certificate-oidc-issuer'] !== undefined) ||
    (!keyed && (!opts['certificate-identity'] || !opts['certificate-oidc-issuer']))) {
  usage('bad arguments');
}

try {
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(opts.bundle, 'utf8')));
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(opts['trusted-root'], 'utf8')));
  let keys;
  if (keyed) {
    const key = crypto.createPublicKey(fs.readFileSync(opts.key));
    keys = () => ({ publicKey: key, validFor: () => true });
  }
  const trust = toTrustMaterial(root, keys);
  const verifier = new Verifier(trust, {
    tlogThreshold: 1,
    timestampThreshold: 1,
    ctlogThreshold: !keyed && trust.ctlogs.length > 0 ? 1 : 0,
  });
  const entity = toSignedEntity(bundle, fs.readFileSync(rest[0]));
  const policy = keyed ? {} : {
    subjectAlternativeName: opts['certificate-identity'],
    extensions: { issuer: opts['certificate-oidc-issuer'] },
  };
  verifier.verify(entity, policy);
  console.log(`Verified OK: ${rest[0]}`);
} catch (err) {
  console.error(`sigstore-js-verify: FAILED: ${err.code || err.name}: ${err.message}`);
  process.exit(1);
}
