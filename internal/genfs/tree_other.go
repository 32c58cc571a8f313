//go:build !linux

package genfs

// mkdirInTree makes the directory rel inside the temporary tree top.
func (d *dirs) mkdirInTree(top, rel string) error {
	return d.mkdir(joinDir(top, rel))
}

// writeInTree writes data to the new file rel inside the temporary tree
// top.
func (d *dirs) writeInTree(top, rel string, data []byte) error {
	name := joinDir(top, rel)
	dir, base := splitDir(name)
	h, release, err := d.acquire(dir)
	if err != nil {
		return err
	}
	defer release()
	return writeNew(h, base, name, data)
}
