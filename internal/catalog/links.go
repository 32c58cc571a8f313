package catalog

import (
	"io/fs"
	"path"
	"strings"
)

// DanglingLink reports whether name in fsys cannot be opened because it,
// or a directory on its way, is a symbolic link to nothing: link is that
// path and target what it points at. A file that is simply missing is not
// a dangling link, and neither is anything in a file system without links.
func DanglingLink(fsys fs.FS, name string) (link, target string, ok bool) {
	if _, err := fs.Stat(fsys, name); err == nil {
		return "", "", false
	}
	parts := strings.Split(path.Clean(name), "/")
	for i := range parts {
		p := path.Join(parts[:i+1]...)
		info, err := fs.Lstat(fsys, p)
		if err != nil {
			return "", "", false // missing, or links unknown to fsys
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		if _, err := fs.Stat(fsys, p); err != nil {
			t, _ := fs.ReadLink(fsys, p)
			return p, t, true
		}
	}
	return "", "", false
}
