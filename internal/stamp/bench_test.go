package stamp

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/shoal-nix/shoal/internal/genfs"
)

// BenchmarkParse reads the stamp of a fleet of 1,000 machines (2,075
// outputs), which a no-op gen does first.
func BenchmarkParse(b *testing.B) {
	s := &Stamp{Key: "k", Inputs: []Input{{Op: opRead, Kind: kindFile, Name: "shoal.toml", Sum: sha256.Sum256([]byte("a"))}}}
	for i := range 2075 {
		s.Outputs = append(s.Outputs, genfs.Identity{Path: fmt.Sprintf("machines/m%04d/default.nix", i), Sum: sha256.Sum256([]byte{byte(i)}),
			Key: genfs.FileKey{Dev: 65024, Ino: 10774122 + uint64(i), Size: 351, Mtime: 1796692858232889280, Ctime: 1796692858717287140}})
	}
	data := s.marshal()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
