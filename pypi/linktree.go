package pypi

import (
	"archive/tar"
	"fmt"
	"path"
	"strings"
)

// linkTree follows an sdist's members the way tar extracts them, so that
// links are judged by where they really lead: a symlink's target is
// relative to the symlink's directory, a hard link's to the archive root,
// and a member (or link) whose parent path goes through earlier symlinks
// is placed where those symlinks lead. Anything that resolves outside the
// archive root, a link to a member that does not exist, a chain longer
// than 40 hops (Linux's limit) or a member written through a symlink is
// refused.
type linkTree struct {
	symlinks map[string]string // cleaned member path → raw target
	members  map[string]bool   // every member path, resolved
}

func newLinkTree() *linkTree {
	return &linkTree{symlinks: map[string]string{}, members: map[string]bool{}}
}

const maxLinkHops = 40

// resolve returns p (cleaned, relative to the root) with every symlink
// among its components replaced by its target, or an error when it leaves
// the root. With final, the last component is followed too.
func (t *linkTree) resolve(p string, final bool) (string, error) {
	hops := 0
	parts := strings.Split(p, "/")
	var done []string
	for len(parts) > 0 {
		c := parts[0]
		parts = parts[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return "", fmt.Errorf("leads outside the archive")
			}
			done = done[:len(done)-1]
			continue
		}
		cur := strings.Join(append(done, c), "/")
		target, isLink := t.symlinks[cur]
		if !isLink || (!final && len(parts) == 0) {
			done = append(done, c)
			continue
		}
		if hops++; hops > maxLinkHops {
			return "", fmt.Errorf("is a chain of more than %d symbolic links", maxLinkHops)
		}
		if strings.HasPrefix(target, "/") {
			return "", fmt.Errorf("leads to the absolute path %q", clip(target))
		}
		// Continue from the link's directory with its target's components.
		parts = append(strings.Split(target, "/"), parts...)
	}
	return strings.Join(done, "/"), nil
}

// add records one member; it fails when the member or its link escapes.
func (t *linkTree) add(name string, typ byte, linkname string) error {
	clean := strings.TrimSuffix(path.Clean(name), "/")
	parent, base := path.Split(clean)
	realParent, err := t.resolve(strings.TrimSuffix(parent, "/"), true)
	if err != nil {
		return fmt.Errorf("member %q %v", clip(name), err)
	}
	if realParent != strings.TrimSuffix(parent, "/") {
		// tar would write it through a symlink, wherever that leads.
		return fmt.Errorf("member %q is written through a symbolic link (to %q)", clip(name), clip(realParent))
	}
	real := path.Join(realParent, base)
	switch typ {
	case tar.TypeSymlink:
		if strings.HasPrefix(linkname, "/") || strings.Contains(linkname, `\`) {
			return fmt.Errorf("link %q points outside the archive (%q)", clip(name), clip(linkname))
		}
		// Not path.Join: cleaning "l2/.." lexically would skip the link
		// l2, whose ".." the kernel takes from where l2 leads.
		if _, err := t.resolve(realParent+"/"+linkname, true); err != nil {
			return fmt.Errorf("link %q points outside the archive (%q): it %v", clip(name), clip(linkname), err)
		}
		t.symlinks[real] = linkname
		// Judged again as placed: a link to itself, or one closing a loop.
		if _, err := t.resolve(real, true); err != nil {
			delete(t.symlinks, real)
			return fmt.Errorf("link %q to %q %v", clip(name), clip(linkname), err)
		}
	case tar.TypeLink:
		// A hard link names another member by its path from the root.
		if strings.HasPrefix(linkname, "/") || strings.Contains(linkname, `\`) || strings.HasPrefix(path.Clean(linkname), "..") {
			return fmt.Errorf("link %q points outside the archive (%q)", clip(name), clip(linkname))
		}
		rt, err := t.resolve(linkname, true)
		if err != nil {
			return fmt.Errorf("hard link %q to %q: the target %v", clip(name), clip(linkname), err)
		}
		if !t.members[rt] {
			return fmt.Errorf("hard link %q to %q: no such earlier member (a hard link's target is a path from the archive root)", clip(name), clip(linkname))
		}
	}
	t.members[real] = true
	return nil
}
