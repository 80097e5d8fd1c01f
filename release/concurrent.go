package release

// DefaultConcurrency is how many files the standard release signs,
// verifies, attests and uploads to the index at once unless
// StandardConfig.Concurrency says otherwise. The transparency logs
// integrate entries in one-second batches, which files signed together
// share: 32 keeps a platform matrix (20 to 70 files) to one or two waits
// per step while bounding what one job asks of the public services at
// once (README, bench: the scale rows).
//
// Signing and the check before publishing fail file by file
// (sign.SignFiles, sign.VerifyFiles): the job names every file that
// failed, and a rerun signs only the files without a bundle that verifies;
// the index upload stops at its first failure (pypi.Client.Upload).
// Results are kept in file name order whatever order the files finish in:
// the state files, release notes, SHA256SUMS and SBOM come out
// byte-identical from run to run. Each file reports its progress as job
// events: "signing NAME", "signed NAME" (or "kept the existing bundle"),
// and a progress event (Item = file name) when signed and while uploaded.
const DefaultConcurrency = 32
