package sign_test

import (
	"testing"

	"github.com/tagship/tagship/sign/signtest"
)

// go test -run x -bench . ./sign/ — compare the MB/s of the two.
func BenchmarkSignFile(b *testing.B)    { signtest.BenchmarkSignFile(b, 256<<20) }
func BenchmarkSHA256Floor(b *testing.B) { signtest.BenchmarkSHA256Floor(b, 256<<20) }
