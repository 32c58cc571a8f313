package genfs

import (
	"io/fs"
	"syscall"
)

// fileKey returns the fingerprint of a regular file.
func fileKey(fi fs.FileInfo) (FileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return FileKey{}, false
	}
	return FileKey{
		Dev:   st.Dev,
		Ino:   st.Ino,
		Size:  fi.Size(),
		Mtime: fi.ModTime().UnixNano(),
		Ctime: st.Ctim.Nano(),
	}, true
}
