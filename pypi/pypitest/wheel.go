package pypitest

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
)

// WriteWheel writes a valid pure-Python wheel named
// "{name}-{version}-py3-none-any.whl" into dir, whose payload member holds
// size pseudo-random (incompressible, deterministic) bytes, stored
// uncompressed. It streams, so multi-GiB wheels for benchmarks cost no
// memory. It returns the path.
func WriteWheel(dir, name, version string, size int64) (string, error) {
	if strings.ContainsAny(name, "-/\\") || name == "" {
		return "", fmt.Errorf("pypitest: WriteWheel: name %q must be an escaped project name (no '-')", name)
	}
	path := dir + string(os.PathSeparator) + name + "-" + version + "-py3-none-any.whl"
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	di := name + "-" + version + ".dist-info/"
	write := func(member, body string) error {
		w, err := zw.Create(member)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, body)
		return err
	}
	err = write(name+"/__init__.py", "__version__ = \""+version+"\"\n")
	if err == nil {
		var w io.Writer
		w, err = zw.CreateHeader(&zip.FileHeader{Name: name + "/payload.bin", Method: zip.Store})
		if err == nil {
			_, err = io.CopyN(w, rand.NewChaCha8([32]byte{'t', 'a', 'g', 's', 'h', 'i', 'p'}), size)
		}
	}
	if err == nil {
		err = write(di+"METADATA", "Metadata-Version: 2.1\nName: "+name+"\nVersion: "+version+"\nSummary: Benchmark wheel\n")
	}
	if err == nil {
		err = write(di+"WHEEL", "Wheel-Version: 1.0\nGenerator: pypitest\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
	}
	if err == nil {
		err = write(di+"RECORD", "")
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}
