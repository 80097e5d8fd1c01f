package signtest

import (
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"

	"github.com/digitorus/timestamp"
)

func (s *Sigstore) tsaHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/timestamp/certchain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pem-certificate-chain")
		io.WriteString(w, pemCert(s.tsaLeaf)+pemCert(s.tsaRoot))
	})
	mux.HandleFunc("POST /api/v1/timestamp", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "reading request", http.StatusBadRequest)
			return
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, "invalid timestamp request: "+err.Error(), http.StatusBadRequest)
			return
		}
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ts := timestamp.Timestamp{
			HashAlgorithm:     req.HashAlgorithm,
			HashedMessage:     req.HashedMessage,
			Time:              s.now(),
			SerialNumber:      serial,
			Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2},
			Nonce:             req.Nonce,
			AddTSACertificate: req.Certificates,
			ExtraExtensions:   req.Extensions,
		}
		resp, err := ts.CreateResponseWithOpts(s.tsaLeaf, s.tsaKey, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.WriteHeader(http.StatusCreated)
		w.Write(resp)
	})
	return mux
}
