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

// packetPair returns a connected pair of packet sockets, closed when the
// test ends: each stands for one TAP device's frames.
func packetPair(t *testing.T) [2]int {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds
}

// TestLinkKeepsOrderAndDelays runs the relay between two packet socket
// pairs: frames arrive whole, in order, and none before the delay.
func TestLinkKeepsOrderAndDelays(t *testing.T) {
	in, out := packetPair(t), packetPair(t)
	const delay = 30 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- link(in[1], out[0], delay, ringBytes) }()

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
			t.Error("link ended without an error on a closed input")
		}
	case <-time.After(10 * time.Second):
		t.Error("link did not end when its input closed")
	}
}

// TestLinkBothWaysThroughASmallRing passes many more bytes than its ring
// holds both ways at once, so that each ring wraps many times: every frame
// arrives whole and in order on its side.
func TestLinkBothWaysThroughASmallRing(t *testing.T) {
	left, right := packetPair(t), packetPair(t)
	go link(left[1], right[0], time.Millisecond, 3*maxFrame)
	// A window of a few frames: a socket pair, unlike a TAP device,
	// refuses a write when its buffer is full, and the relay would drop.
	const frames, window = 3000, 8
	run := func(from, to int, name string) error {
		acks := make(chan int, frames)
		errs := make(chan error, 1)
		go func() {
			buf := make([]byte, 4096)
			for i := range frames {
				n, err := unix.Read(to, buf)
				if err != nil {
					errs <- err
					return
				}
				if want := frameOf(name, i); !bytes.Equal(buf[:n], want) {
					errs <- fmt.Errorf("%s frame %d = %.20q..., want %.20q...", name, i, buf[:n], want)
					return
				}
				acks <- i
			}
			errs <- nil
		}()
		for i := range frames {
			if i >= window {
				select {
				case <-acks:
				case err := <-errs:
					return err
				case <-time.After(10 * time.Second):
					return fmt.Errorf("%s: frame %d never arrived", name, i-window)
				}
			}
			if _, err := unix.Write(from, frameOf(name, i)); err != nil {
				return err
			}
		}
		select {
		case err := <-errs:
			return err
		case <-time.After(10 * time.Second):
			return fmt.Errorf("%s: the last frames never arrived", name)
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- run(left[0], right[1], "rightward") }()
	go func() { errs <- run(right[1], left[0], "leftward") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// frameOf is the test frame i of one direction: 700 to 1900 bytes.
func frameOf(name string, i int) []byte {
	return []byte(fmt.Sprintf("%s %04d %s", name, i, strings.Repeat("y", 700+i%1200)))
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
