package genfs

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames from to to, both in one directory of root,
// failing if to exists, whatever it is.
func renameNoReplace(root *os.Root, from, to string) error {
	dir, fromBase := splitDir(from)
	_, toBase := splitDir(to)
	if dir == "" {
		dir = "."
	}
	d, err := root.Open(dir)
	if err != nil {
		return &fs.PathError{Op: "open", Path: dir, Err: unwrapPath(err)}
	}
	defer d.Close()
	sc, err := d.SyscallConn()
	if err != nil {
		return err
	}
	var rerr error
	if err := sc.Control(func(fd uintptr) {
		rerr = unix.Renameat2(int(fd), fromBase, int(fd), toBase, unix.RENAME_NOREPLACE)
	}); err != nil {
		return err
	}
	if errors.Is(rerr, unix.EINVAL) || errors.Is(rerr, unix.ENOSYS) {
		// A file system or kernel without RENAME_NOREPLACE.
		return renameAbsent(root, from, to)
	}
	if rerr != nil {
		return &fs.PathError{Op: "rename", Path: to, Err: rerr}
	}
	return nil
}
