package build

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// resultJSON is a Result as JSON: one line of shoal build --json, and of
// the file a CI build hands to deploy.
type resultJSON struct {
	Machine     string  `json:"machine"`
	StorePath   string  `json:"store_path,omitempty"`
	DrvPath     string  `json:"drv_path,omitempty"`
	ClosureSize int64   `json:"closure_size,omitempty"`
	Cache       string  `json:"cache,omitempty"`
	Seconds     float64 `json:"seconds"`
	Error       string  `json:"error,omitempty"`
}

// MarshalJSON writes r as {"machine", "store_path", "drv_path",
// "closure_size" (bytes), "cache", "seconds", "error"}; empty fields are
// left out.
func (r Result) MarshalJSON() ([]byte, error) {
	j := resultJSON{Machine: r.Machine, StorePath: r.StorePath, DrvPath: r.DrvPath, ClosureSize: r.ClosureSize,
		Cache: r.Cache, Seconds: float64(r.Duration.Round(time.Millisecond).Milliseconds()) / 1000}
	if r.Err != nil {
		j.Error = r.Err.Error()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Result) UnmarshalJSON(data []byte) error {
	var j resultJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*r = Result{Machine: j.Machine, StorePath: j.StorePath, DrvPath: j.DrvPath, ClosureSize: j.ClosureSize,
		Cache: j.Cache, Duration: time.Duration(j.Seconds * float64(time.Second))}
	if j.Error != "" {
		r.Err = errors.New(j.Error)
	}
	return nil
}

// WriteResult writes r to w as one line of JSON.
func WriteResult(w io.Writer, r Result) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// ReadResults reads results as shoal build --json writes them, one JSON
// object per line (blank lines are skipped), or a JSON array of them.
// Each must name a machine; a machine may appear once.
func ReadResults(r io.Reader) ([]Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var out []Result
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &out); err != nil {
			return nil, fmt.Errorf("build results: %w", err)
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for line := 1; sc.Scan(); line++ {
			text := strings.TrimSpace(sc.Text())
			if text == "" {
				continue
			}
			var res Result
			if err := json.Unmarshal([]byte(text), &res); err != nil {
				return nil, fmt.Errorf("build results: line %d: %w", line, err)
			}
			out = append(out, res)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("build results: %w", err)
		}
	}
	seen := map[string]bool{}
	for i, res := range out {
		switch {
		case res.Machine == "":
			return nil, fmt.Errorf("build results: result %d names no machine", i+1)
		case seen[res.Machine]:
			return nil, fmt.Errorf("build results: machine %s appears twice", res.Machine)
		case res.Err == nil && !strings.HasPrefix(res.StorePath, "/"):
			return nil, fmt.Errorf("build results: machine %s has neither a store path nor an error", res.Machine)
		}
		seen[res.Machine] = true
	}
	return out, nil
}
