package lab

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestPassKeepsOrderAndDelays runs one direction of the relay between two
// packet socket pairs: frames arrive whole, in order, and none before the
// delay.
func TestPassKeepsOrderAndDelays(t *testing.T) {
	pair := func() [2]int {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
		return fds
	}
	in, out := pair(), pair()
	const delay = 30 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- pass(in[1], out[0], delay) }()

	start := time.Now()
	var sent [][]byte
	for i := range 50 {
		frame := []byte(fmt.Sprintf("frame %02d %s", i, strings.Repeat("x", i*20)))
		sent = append(sent, frame)
		if _, err := unix.Write(in[0], frame); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 4096)
	for i, want := range sent {
		n, err := unix.Read(out[1], buf)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && time.Since(start) < delay {
			t.Errorf("the first frame came after %s, before the %s delay", time.Since(start), delay)
		}
		if !bytes.Equal(buf[:n], want) {
			t.Fatalf("frame %d = %q, want %q", i, buf[:n], want)
		}
	}
	// Closing the input ends the relay.
	unix.Close(in[0])
	select {
	case err := <-done:
		if err == nil {
			t.Error("pass ended without an error on a closed input")
		}
	case <-time.After(10 * time.Second):
		t.Error("pass did not end when its input closed")
	}
}

func TestRelayMainUsage(t *testing.T) {
	var stderr bytes.Buffer
	if code := RelayMain([]string{"-dev", "vh1"}, &stderr); code != 2 || !strings.Contains(stderr.String(), "-netns and -host-dev are needed") {
		t.Errorf("RelayMain without -netns = %d, %q", code, stderr.String())
	}
	// A device that is not there is an error, and is not made.
	stderr.Reset()
	if code := RelayMain([]string{"-dev", "shoal-no-tap", "-netns", "no-such-ns-shoal", "-host-dev", "eth0"}, &stderr); code != 1 || !strings.Contains(stderr.String(), "TAP device shoal-no-tap") {
		t.Errorf("RelayMain with nothing to attach to = %d, %q", code, stderr.String())
	}
	if _, err := net.InterfaceByName("shoal-no-tap"); err == nil {
		t.Error("RelayMain made the TAP device it was to attach to")
	}
}
