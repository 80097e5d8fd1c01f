package oci

import (
	"errors"
	"testing"
)

func TestNormalizeRepository(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"ghcr.io/Metbcy/securescan", "ghcr.io/metbcy/securescan"},
		{"ghcr.io/octo-org/octo-repo", "ghcr.io/octo-org/octo-repo"},
		{" GHCR.IO/Octo/Repo ", "ghcr.io/octo/repo"},
		{"127.0.0.1:5000/app", "127.0.0.1:5000/app"},
		{"localhost/a/b/c", "localhost/a/b/c"},
		{"docker.io/library/python", "index.docker.io/library/python"},
		{"", ""},
		{"octo/repo", ""},
		{"ghcr.io/octo/repo:latest", ""},
		{"ghcr.io/octo/repo:v1.2.3", ""},
		{"127.0.0.1:5000/app:v1", ""},
		{"ghcr.io/octo/repo@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ""},
		{"https://ghcr.io/octo/repo", ""},
		{"ghcr.io/", ""},
		{"ghcr.io/octo/re po", ""},
		{"ghcr.io/octo//repo", ""},
	} {
		got, err := NormalizeRepository(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrRepository) {
				t.Errorf("NormalizeRepository(%q) = %q, %v; want ErrRepository", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeRepository(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzNormalizeRepository(f *testing.F) {
	for _, s := range []string{"ghcr.io/Metbcy/securescan", "127.0.0.1:5000/app", "x/y:z", "a@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeRepository(s)
		if err != nil {
			return
		}
		// The normal form is a fixed point and pushable with a version tag.
		if again, err := NormalizeRepository(n); err != nil || again != n {
			t.Fatalf("%q -> %q -> %q, %v", s, n, again, err)
		}
	})
}
