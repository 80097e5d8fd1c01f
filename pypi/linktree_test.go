package pypi

import (
	"archive/tar"
	"strings"
	"testing"
)

// FuzzLinkTree: whatever sequence of members and links is accepted, every
// accepted name and symlink target resolves inside the archive root.
func FuzzLinkTree(f *testing.F) {
	f.Add("p/a|2|..\np/a/b|2|..\np/a/b/c|0|")
	f.Add("p/x|0|\np/h|1|p/x\np/l|2|x")
	f.Add("p/a/l|2|..\np/a/l2|2|l/..\np/a/l3|2|l2/..")
	f.Fuzz(func(t *testing.T, spec string) {
		lt := newLinkTree()
		for _, line := range strings.Split(spec, "\n") {
			parts := strings.SplitN(line, "|", 3)
			if len(parts) != 3 || parts[0] == "" || checkMemberPath(parts[0]) != nil {
				continue
			}
			typ := map[string]byte{"0": tar.TypeReg, "1": tar.TypeLink, "2": tar.TypeSymlink}[parts[1]]
			if typ == 0 {
				continue
			}
			if err := lt.add(parts[0], typ, parts[2]); err != nil {
				continue
			}
			if _, err := lt.resolve(parts[0], typ == tar.TypeSymlink); err != nil {
				t.Fatalf("accepted %q (%c → %q) but it resolves outside: %v", parts[0], typ, parts[2], err)
			}
		}
	})
}
