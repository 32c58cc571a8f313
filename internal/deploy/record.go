package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// StateDir is the fleet's state directory, relative to the fleet
// directory; it holds RecordFile and LockFile.
const StateDir = ".shoal"

// RecordFile is the deployment records' file in StateDir: JSON Lines, one
// Record per host per deploy, oldest first.
const RecordFile = "deployments.jsonl"

// Record is one host's deployment as recorded.
type Record struct {
	Time        time.Time `json:"time"`
	Machine     string    `json:"machine"`
	Host        string    `json:"host"`
	Closure     string    `json:"closure"`
	Previous    string    `json:"previous,omitempty"`
	Generation  int       `json:"generation,omitempty"`
	FleetCommit string    `json:"fleet_commit,omitempty"`
	// Result is the host's Outcome.
	Result     Outcome          `json:"result"`
	Error      string           `json:"error,omitempty"`
	DurationMS int64            `json:"duration_ms"`
	StepsMS    map[string]int64 `json:"steps_ms,omitempty"`
	// SSHCommands and SSHConnections count the host's remote commands
	// (nix copy is one) and the TCP connections they made.
	SSHCommands    int `json:"ssh_commands,omitempty"`
	SSHConnections int `json:"ssh_connections,omitempty"`
	// Rollback marks a deploy made by shoal rollback.
	Rollback bool `json:"rollback,omitempty"`
	// Secrets are the host's secrets by name, destination and SHA-256:
	// never their values.
	Secrets []SecretChange `json:"secrets,omitempty"`
}

// RecordOf turns one host's result into its record.
func RecordOf(h HostResult, commit string, rollback bool) Record {
	return Records(Result{Hosts: []HostResult{h}}, commit, rollback)[0]
}

// Records turns a run's results into records.
func Records(res Result, commit string, rollback bool) []Record {
	var recs []Record
	for _, h := range res.Hosts {
		r := Record{
			Time: h.Started.UTC(), Machine: h.Target.Machine, Host: h.Target.Host, Closure: h.Target.Closure,
			Previous: h.Previous, Generation: h.Generation, FleetCommit: commit, Result: h.Outcome,
			DurationMS: h.Duration.Milliseconds(), Rollback: rollback, Secrets: h.Secrets,
			SSHCommands: h.Commands, SSHConnections: h.Connections,
		}
		if h.Started.IsZero() {
			r.Time = time.Now().UTC()
		}
		if h.Err != nil {
			r.Error = h.Err.Error()
		}
		if len(h.Steps) > 0 {
			r.StepsMS = map[string]int64{}
			for k, v := range h.Steps {
				r.StepsMS[k] = v.Milliseconds()
			}
		}
		recs = append(recs, r)
	}
	return recs
}

// ReadRecords reads the records of the fleet in dir; no file is no
// records.
func ReadRecords(dir string) ([]Record, error) {
	path := filepath.Join(dir, StateDir, RecordFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read deployment records: %w", err)
	}
	var recs []Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		recs = append(recs, r)
	}
	return recs, sc.Err()
}

// AppendRecords adds recs to the fleet's record file. A record that ends
// a host's deploy replaces the Activating record of the same deploy (same
// machine, start time and closure), so the file holds one record per host
// per deploy: it grows with the deploys, never with their steps. The file
// is rewritten whole through a temporary file and a rename, so a crash
// leaves the old or the new file, never half a line. Callers hold the
// fleet's Lock.
func AppendRecords(dir string, recs []Record) error {
	state := filepath.Join(dir, StateDir)
	if err := os.MkdirAll(state, 0o755); err != nil {
		return fmt.Errorf("write deployment records: %w", err)
	}
	path := filepath.Join(state, RecordFile)
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write deployment records: %w", err)
	}
	old = dropSuperseded(old, recs)
	if len(old) > 0 && old[len(old)-1] != '\n' {
		old = append(old, '\n')
	}
	buf := bytes.NewBuffer(old)
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("write deployment records: %w", err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	tmp, err := os.CreateTemp(state, ".deployments-*.jsonl")
	if err != nil {
		return fmt.Errorf("write deployment records: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write deployment records: %w", err)
	}
	return nil
}

// dropSuperseded removes from the record file's data the Activating
// lines that a record in recs ends. Every other line, readable or not, is
// kept as it was.
func dropSuperseded(data []byte, recs []Record) []byte {
	ends := func(old Record) bool {
		for _, r := range recs {
			if r.Result != Activating && r.Machine == old.Machine && r.Closure == old.Closure && r.Time.Equal(old.Time) {
				return true
			}
		}
		return false
	}
	if !bytes.Contains(data, []byte(`"result":"`+Activating+`"`)) {
		return data
	}
	var out []byte
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		var r Record
		if bytes.Contains(line, []byte(`"result":"`+Activating+`"`)) && json.Unmarshal(line, &r) == nil && r.Result == Activating && ends(r) {
			continue
		}
		out = append(out, line...)
	}
	return out
}

// Latest returns each machine's last record that put a closure on it
// (deployed or unchanged).
func Latest(recs []Record) map[string]Record {
	m := map[string]Record{}
	for _, r := range recs {
		if r.Result.ok() {
			m[r.Machine] = r
		}
	}
	return m
}

// Previous returns, per machine, the record of the closure the machine
// was on before its latest one: the last successful record, before the
// latest success, with another closure. Machines without one are missing.
func Previous(recs []Record) map[string]Record {
	latest := map[string]int{}
	for i, r := range recs {
		if r.Result.ok() {
			latest[r.Machine] = i
		}
	}
	prev := map[string]Record{}
	for i, r := range recs {
		l, ok := latest[r.Machine]
		if ok && i < l && r.Result.ok() && r.Closure != recs[l].Closure {
			prev[r.Machine] = r
		}
	}
	return prev
}
