package statedir_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/internal/statedir"
)

type jobState struct {
	Status string `json:"status"`
}

func valid(name string) bool { return name != "" && filepath.Base(name) == name && name[0] != '.' }

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "state")
	defer os.RemoveAll(dir)

	d, err := statedir.Open[jobState](dir, 1, valid)
	if err != nil {
		panic(err)
	}
	d.Put("build", jobState{Status: "succeeded"})
	b, _ := os.ReadFile(filepath.Join(dir, "build.json"))
	fmt.Println(string(b))

	_, err = statedir.Open[jobState](dir, 1, valid)
	fmt.Println(errors.Is(err, statedir.ErrInProgress))
	d.Close()

	recs, _ := statedir.Read[jobState](dir, 1, valid)
	fmt.Println(recs["build"].Status)
	// Output:
	// {
	//   "version": 1,
	//   "status": "succeeded"
	// }
	// true
	// succeeded
}
