package signtest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/go-openapi/runtime"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekortilespb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	rekortilesnote "github.com/sigstore/rekor-tiles/v2/pkg/note"
	"github.com/sigstore/rekor-tiles/v2/pkg/types/hashedrekord"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	rekorutil "github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/signature"
	flog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"google.golang.org/protobuf/encoding/protojson"

	// Entry kinds the Rekor v1 log accepts.
	_ "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"
	_ "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1"
)

// LogEntry is one entry of one of the double's transparency logs.
type LogEntry struct {
	RekorVersion   uint32 // 1 or 2: which log holds it
	Index          int64
	UUID           string // hex RFC 6962 leaf hash
	Kind           string // "hashedrekord", "dsse"
	Body           []byte // canonicalized entry body
	IntegratedTime time.Time
}

type logEntry struct {
	LogEntry
	set  []byte // signed entry timestamp (v1)
	leaf []byte // RFC 6962 leaf hash
}

// tlog is an append-only RFC 6962 log; v1 and v2 each have one.
type tlog struct {
	version uint32
	key     *ecdsa.PrivateKey
	logID   []byte // sha256 of the key's SPKI
	treeID  int64
	origin  string // checkpoint origin

	mu      sync.Mutex
	entries []*logEntry
	byLeaf  map[string]int64
}

func newTlog(version uint32) (*tlog, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	id := sha256.Sum256(spki)
	var tid [8]byte
	rand.Read(tid[:])
	return &tlog{version: version, key: key, logID: id[:], treeID: int64(binary.BigEndian.Uint64(tid[:]) >> 1), byLeaf: map[string]int64{}}, nil
}

// setOrigin names the log after its server: Rekor v1 checkpoints use
// "<host> - <tree ID>", Rekor v2 the URL's host name (which verifiers
// derive from the trusted root's baseUrl).
func (l *tlog) setOrigin(baseURL string) {
	u, _ := url.Parse(baseURL)
	if l.version == 2 {
		l.origin = u.Hostname()
	} else {
		l.origin = u.Host
	}
}

func leafHash(body []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)
}

func nodeHash(l, r []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(l)
	h.Write(r)
	return h.Sum(nil)
}

func splitPoint(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// mth is the RFC 6962 Merkle tree hash of leaf hashes.
func mth(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		h := sha256.Sum256(nil)
		return h[:]
	case 1:
		return leaves[0]
	}
	k := splitPoint(len(leaves))
	return nodeHash(mth(leaves[:k]), mth(leaves[k:]))
}

// inclusionPath is the RFC 6962 audit path of leaf m.
func inclusionPath(m int, leaves [][]byte) [][]byte {
	if len(leaves) <= 1 {
		return nil
	}
	k := splitPoint(len(leaves))
	if m < k {
		return append(inclusionPath(m, leaves[:k]), mth(leaves[k:]))
	}
	return append(inclusionPath(m-k, leaves[k:]), mth(leaves[:k]))
}

// append adds an entry unless its leaf is already logged; it returns the
// index and whether it is new.
func (l *tlog) append(kind string, body []byte, now time.Time, seal func(*logEntry) error) (int64, bool, error) {
	lh := leafHash(body)
	uuid := hex.EncodeToString(lh)
	l.mu.Lock()
	defer l.mu.Unlock()
	if idx, ok := l.byLeaf[uuid]; ok {
		return idx, false, nil
	}
	idx := int64(len(l.entries))
	e := &logEntry{LogEntry: LogEntry{RekorVersion: l.version, Index: idx, UUID: uuid, Kind: kind, Body: body, IntegratedTime: now}, leaf: lh}
	if seal != nil {
		if err := seal(e); err != nil {
			return 0, false, err
		}
	}
	l.entries = append(l.entries, e)
	l.byLeaf[uuid] = idx
	return idx, true, nil
}

// proof returns entry idx with its inclusion proof against the current tree.
func (l *tlog) proof(idx int64) (e *logEntry, root []byte, size int, path [][]byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	leaves := make([][]byte, len(l.entries))
	for i, x := range l.entries {
		leaves[i] = x.leaf
	}
	return l.entries[idx], mth(leaves), len(leaves), inclusionPath(int(idx), leaves)
}

func (l *tlog) signer() (signature.SignerVerifier, error) {
	return signature.LoadECDSASignerVerifier(l.key, crypto.SHA256)
}

// checkpoint returns the signed checkpoint (a signed note) of a tree head.
func (l *tlog) checkpoint(size int, root []byte) ([]byte, error) {
	sv, err := l.signer()
	if err != nil {
		return nil, err
	}
	if l.version == 1 {
		return rekorutil.CreateAndSignCheckpoint(context.Background(), l.origin, l.treeID, uint64(size), root, sv)
	}
	ns, err := rekortilesnote.NewNoteSigner(context.Background(), l.origin, sv)
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: string(flog.Checkpoint{Origin: l.origin, Size: uint64(size), Hash: root}.Marshal())}, ns)
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"code": status, "message": msg})
}

// ---- Rekor v1 ----

func (s *Sigstore) rekorHandler() http.Handler {
	l := s.rekor
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/log/entries", s.handleCreateEntryV1)
	mux.HandleFunc("GET /api/v1/log/entries/{uuid}", func(w http.ResponseWriter, r *http.Request) {
		uuid := r.PathValue("uuid")
		if len(uuid) > 64 {
			uuid = uuid[len(uuid)-64:] // entry ID: tree ID + UUID
		}
		l.mu.Lock()
		idx, ok := l.byLeaf[uuid]
		l.mu.Unlock()
		if !ok {
			jsonError(w, http.StatusNotFound, "entry not found")
			return
		}
		s.writeEntryV1(w, http.StatusOK, idx)
	})
	mux.HandleFunc("GET /api/v1/log", func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		n := len(l.entries)
		l.mu.Unlock()
		var root []byte
		if n > 0 {
			_, root, _, _ = l.proof(int64(n - 1))
		} else {
			root = mth(nil)
		}
		cp, err := l.checkpoint(n, root)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"rootHash": hex.EncodeToString(root), "treeSize": n,
			"signedTreeHead": string(cp), "treeID": fmt.Sprint(l.treeID)})
	})
	mux.HandleFunc("GET /api/v1/log/publicKey", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(pemPublicKey(l.key.Public()))
	})
	return mux
}

func (s *Sigstore) handleCreateEntryV1(w http.ResponseWriter, r *http.Request) {
	l := s.rekor
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		jsonError(w, http.StatusBadRequest, "reading request")
		return
	}
	pe, err := models.UnmarshalProposedEntry(bytes.NewReader(body), runtime.JSONConsumer())
	if err != nil {
		jsonError(w, http.StatusBadRequest, "unparsable entry: "+err.Error())
		return
	}
	// Rekor's own type code validates the entry (signature included) and
	// canonicalizes it.
	impl, err := types.UnmarshalEntry(pe)
	if err != nil {
		jsonError(w, http.StatusBadRequest, "invalid entry: "+err.Error())
		return
	}
	canon, err := types.CanonicalizeEntry(r.Context(), impl)
	if err != nil {
		jsonError(w, http.StatusBadRequest, "invalid entry: "+err.Error())
		return
	}
	idx, isNew, err := l.append(pe.Kind(), canon, s.now().Truncate(time.Second), func(e *logEntry) error {
		set, err := s.signSET(e)
		e.set = set
		return err
	})
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !isNew {
		uuid := hex.EncodeToString(leafHash(canon))
		w.Header().Set("Location", "/api/v1/log/entries/"+uuid)
		jsonError(w, http.StatusConflict, "an equivalent entry already exists in the transparency log with UUID "+uuid)
		return
	}
	s.writeEntryV1(w, http.StatusCreated, idx)
}

func (s *Sigstore) signSET(e *logEntry) ([]byte, error) {
	// Canonical JSON: keys sorted, no spaces.
	payload, err := json.Marshal(struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogID          string `json:"logID"`
		LogIndex       int64  `json:"logIndex"`
	}{base64.StdEncoding.EncodeToString(e.Body), e.IntegratedTime.Unix(), hex.EncodeToString(s.rekor.logID), e.Index})
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(payload)
	return ecdsa.SignASN1(rand.Reader, s.rekor.key, h[:])
}

func (s *Sigstore) writeEntryV1(w http.ResponseWriter, status int, idx int64) {
	l := s.rekor
	e, root, size, path := l.proof(idx)
	hashes := make([]string, len(path))
	for i, p := range path {
		hashes[i] = hex.EncodeToString(p)
	}
	cp, err := l.checkpoint(size, root)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	entry := map[string]any{
		"body":           base64.StdEncoding.EncodeToString(e.Body),
		"integratedTime": e.IntegratedTime.Unix(),
		"logID":          hex.EncodeToString(l.logID),
		"logIndex":       e.Index,
		"verification": map[string]any{
			"inclusionProof": map[string]any{
				"checkpoint": string(cp),
				"hashes":     hashes,
				"logIndex":   e.Index,
				"rootHash":   hex.EncodeToString(root),
				"treeSize":   size,
			},
			"signedEntryTimestamp": base64.StdEncoding.EncodeToString(e.set),
		},
	}
	w.Header().Set("ETag", e.UUID)
	w.Header().Set("Location", "/api/v1/log/entries/"+e.UUID)
	writeJSON(w, status, map[string]any{e.UUID: entry})
}

// ---- Rekor v2 ----

func (s *Sigstore) rekorV2Handler() http.Handler {
	l := s.rekor2
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/log/entries", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			jsonError(w, http.StatusBadRequest, "reading request")
			return
		}
		var req rekortilespb.CreateEntryRequest
		if err := protojson.Unmarshal(body, &req); err != nil {
			jsonError(w, http.StatusBadRequest, "invalid request: "+err.Error())
			return
		}
		hr := req.GetHashedRekordRequestV002()
		if hr == nil {
			jsonError(w, http.StatusBadRequest, "invalid type, must be hashedrekord")
			return
		}
		// rekor-tiles' own type code validates and verifies the entry.
		entry, err := hashedrekord.ToLogEntry(hr, s.algorithms)
		if err != nil {
			jsonError(w, http.StatusBadRequest, "invalid hashedrekord request: "+err.Error())
			return
		}
		serialized, err := protojson.Marshal(entry)
		if err != nil {
			jsonError(w, http.StatusBadRequest, err.Error())
			return
		}
		canon, err := jsoncanonicalizer.Transform(serialized)
		if err != nil {
			jsonError(w, http.StatusBadRequest, err.Error())
			return
		}
		idx, isNew, err := l.append(entry.Kind, canon, time.Time{}, nil)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		if !isNew {
			w.Header().Set("X-Rekor-Duplicate-Entry-Index", fmt.Sprint(idx))
			jsonError(w, http.StatusConflict, fmt.Sprintf("an equivalent entry already exists in the transparency log with index %d", idx))
			return
		}
		e, root, size, path := l.proof(idx)
		cp, err := l.checkpoint(size, root)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		tle := &protorekor.TransparencyLogEntry{
			LogIndex:    e.Index,
			LogId:       &protocommon.LogId{KeyId: l.logID},
			KindVersion: &protorekor.KindVersion{Kind: entry.Kind, Version: entry.ApiVersion},
			InclusionProof: &protorekor.InclusionProof{
				LogIndex: e.Index, RootHash: root, TreeSize: int64(size), Hashes: path,
				Checkpoint: &protorekor.Checkpoint{Envelope: string(cp)},
			},
			CanonicalizedBody: e.Body,
		}
		out, err := protojson.Marshal(tle)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(out)
	})
	return mux
}

// Entries returns a copy of the entries of the Rekor v1 log, then those of
// the Rekor v2 log, each in log order.
func (s *Sigstore) Entries() []LogEntry {
	var out []LogEntry
	for _, l := range []*tlog{s.rekor, s.rekor2} {
		l.mu.Lock()
		for _, e := range l.entries {
			c := e.LogEntry
			c.Body = bytes.Clone(e.Body)
			out = append(out, c)
		}
		l.mu.Unlock()
	}
	return out
}
