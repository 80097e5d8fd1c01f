package pypitest

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
)

// SimpleJSON is the PEP 691 JSON media type.
const SimpleJSON = "application/vnd.pypi.simple.v1+json"

func wantsJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(mt) == SimpleJSON {
			if strings.Contains(params, "q=0") && !strings.Contains(params, "q=0.") {
				continue
			}
			return true
		}
	}
	return r.URL.Query().Get("format") == SimpleJSON
}

func (s *Server) handleSimpleIndex(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	seen := map[string]string{}
	for _, n := range s.order {
		f := s.files[n]
		seen[normalize(f.Project)] = f.Project
	}
	s.mu.Unlock()
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	if wantsJSON(r) {
		var projects []map[string]string
		for _, n := range names {
			projects = append(projects, map[string]string{"name": seen[n]})
		}
		w.Header().Set("Content-Type", SimpleJSON)
		writeJSONBody(w, map[string]any{"meta": map[string]string{"api-version": "1.1"}, "projects": projects})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n    <title>Simple index</title>\n  </head>\n  <body>\n")
	for _, n := range names {
		fmt.Fprintf(w, "    <a href=\"/simple/%s/\">%s</a>\n", n, html.EscapeString(seen[n]))
	}
	io.WriteString(w, "  </body>\n</html>\n")
}

func (s *Server) handleSimple(w http.ResponseWriter, r *http.Request, project string) {
	norm := normalize(project)
	if norm != project {
		// PyPI redirects non-normalised names to the canonical URL.
		http.Redirect(w, r, "/simple/"+norm+"/", http.StatusMovedPermanently)
		return
	}
	files := s.storedFiles(norm)
	if len(files) == 0 {
		http.NotFound(w, r)
		return
	}
	if wantsJSON(r) {
		var list []map[string]any
		versions := map[string]bool{}
		for _, f := range files {
			versions[f.Version] = true
			e := map[string]any{
				"filename":    f.Filename,
				"url":         s.fileURL(f),
				"hashes":      map[string]string{"sha256": f.SHA256},
				"size":        f.Size,
				"upload-time": f.UploadTime.Format("2006-01-02T15:04:05.000000Z"),
				"yanked":      false,
			}
			if f.RequiresPython != "" {
				e["requires-python"] = f.RequiresPython
			}
			if len(f.Attestations) > 0 {
				e["provenance"] = s.URL + "/integrity/" + norm + "/" + f.Version + "/" + f.Filename + "/provenance"
			}
			list = append(list, e)
		}
		vs := make([]string, 0, len(versions))
		for v := range versions {
			vs = append(vs, v)
		}
		sort.Strings(vs)
		w.Header().Set("Content-Type", SimpleJSON)
		writeJSONBody(w, map[string]any{
			"meta":     map[string]string{"api-version": "1.1"},
			"name":     norm,
			"files":    list,
			"versions": vs,
		})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n    <title>Links for %s</title>\n  </head>\n  <body>\n    <h1>Links for %s</h1>\n", html.EscapeString(norm), html.EscapeString(norm))
	for _, f := range files {
		attr := ""
		if f.RequiresPython != "" {
			attr = ` data-requires-python="` + html.EscapeString(f.RequiresPython) + `"`
		}
		fmt.Fprintf(w, "    <a href=\"%s#sha256=%s\"%s>%s</a><br />\n", html.EscapeString(s.fileURL(f)), f.SHA256, attr, html.EscapeString(f.Filename))
	}
	io.WriteString(w, "  </body>\n</html>\n")
}

func writeJSONBody(w http.ResponseWriter, v any) {
	w.WriteHeader(http.StatusOK)
	enc := jsonEncoder(w)
	enc.Encode(v)
}

// handleJSON serves /pypi/<project>/json and /pypi/<project>/<version>/json.
func (s *Server) handleJSON(w http.ResponseWriter, r *http.Request, parts []string) {
	if len(parts) == 0 || len(parts) > 2 || parts[0] == "" {
		http.NotFound(w, r)
		return
	}
	files := s.storedFiles(normalize(parts[0]))
	var version string
	if len(parts) == 2 {
		version = parts[1]
	} else if len(files) > 0 {
		version = files[len(files)-1].Version
	}
	var urls []map[string]any
	var name, reqPy string
	releases := map[string][]map[string]any{}
	for _, f := range files {
		u := map[string]any{
			"filename":    f.Filename,
			"url":         s.fileURL(f),
			"digests":     map[string]string{"sha256": f.SHA256, "blake2b_256": f.BLAKE2b256, "md5": f.MD5},
			"md5_digest":  f.MD5,
			"packagetype": f.Filetype,
			"python_version": func() string {
				if f.Filetype == "sdist" {
					return "source"
				}
				return f.PyVersion
			}(),
			"requires_python":      nullable(f.RequiresPython),
			"size":                 f.Size,
			"upload_time_iso_8601": f.UploadTime.Format("2006-01-02T15:04:05.000000Z"),
			"yanked":               false,
		}
		releases[f.Version] = append(releases[f.Version], u)
		if f.Version == version {
			urls = append(urls, u)
			name, reqPy = f.Project, f.RequiresPython
		}
	}
	if len(urls) == 0 {
		http.NotFound(w, r)
		return
	}
	body := map[string]any{
		"info": map[string]any{
			"name":            name,
			"version":         version,
			"requires_python": nullable(reqPy),
		},
		"urls": urls,
	}
	if len(parts) == 1 {
		body["releases"] = releases
	}
	w.Header().Set("Content-Type", "application/json")
	writeJSONBody(w, body)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request, rest string) {
	sha, filename, ok := strings.Cut(rest, "/")
	f, found := s.File(filename)
	if !ok || !found || f.SHA256 != sha {
		http.NotFound(w, r)
		return
	}
	if f.path == "" {
		http.Error(w, "410 Gone: content discarded (WithDiscardContent)", http.StatusGone)
		return
	}
	fh, err := os.Open(f.path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer fh.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	io.Copy(w, fh)
}

func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}
