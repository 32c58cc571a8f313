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

// runLink runs link on pairs until the test ends: then it shuts the first
// pair's near end down, so that link reads the end of its input and
// returns, before the pairs' descriptors are closed (a relay that outlived
// them would poll their numbers after another test reused them).
func runLink(t *testing.T, pairs [][2]int, near int, delay time.Duration, ringSize int) {
	done := make(chan error, 1)
	go func() { done <- link(pairs, delay, ringSize) }()
	t.Cleanup(func() {
		unix.Shutdown(near, unix.SHUT_WR)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("link did not end when its input ended")
		}
	})
}

// TestLinkKeepsOrderAndDelays runs the relay between two packet socket
// pairs: frames arrive whole, in order, and none before the delay.
func TestLinkKeepsOrderAndDelays(t *testing.T) {
	in, out := packetPair(t), packetPair(t)
	const delay = 30 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- link([][2]int{{in[1], out[0]}}, delay, ringBytes) }()

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
	// The end of the input ends the relay.
	unix.Shutdown(in[0], unix.SHUT_WR)
	select {
	case err := <-done:
		if err == nil {
			t.Error("link ended without an error on a closed input")
		}
	case <-time.After(10 * time.Second):
		t.Error("link did not end when its input closed")
	}
}

// TestLinkServesManyLinks runs one relay for three links, both ways at
// once: every frame arrives on its own link's far end, whole, in order,
// and none before the delay after it was sent.
func TestLinkServesManyLinks(t *testing.T) {
	const links, frames, delay = 3, 40, 20 * time.Millisecond
	var pairs [][2]int
	var near, far []int
	for range links {
		a, b := packetPair(t), packetPair(t)
		pairs = append(pairs, [2]int{a[1], b[0]})
		near, far = append(near, a[0]), append(far, b[1])
	}
	runLink(t, pairs, near[0], delay, ringBytes)

	type end struct {
		from, to int
		name     string
	}
	var ends []end
	for i := range links {
		ends = append(ends, end{near[i], far[i], fmt.Sprintf("link %d out", i)}, end{far[i], near[i], fmt.Sprintf("link %d back", i)})
	}
	errs := make(chan error, len(ends))
	for _, e := range ends {
		sent := make(chan time.Time, frames)
		got := make(chan error, 1)
		go func() {
			buf := make([]byte, 4096)
			for i := range frames {
				n, err := unix.Read(e.to, buf)
				if err != nil {
					got <- err
					return
				}
				if want := frameOf(e.name, i); !bytes.Equal(buf[:n], want) {
					got <- fmt.Errorf("%s: frame %d = %.20q..., want %.20q...", e.name, i, buf[:n], want)
					return
				}
				// A lower bound only: a slow machine cannot break it.
				if took := time.Since(<-sent); took < delay {
					got <- fmt.Errorf("%s: frame %d came after %s, before the %s delay", e.name, i, took, delay)
					return
				}
			}
			got <- nil
		}()
		go func() {
			for i := range frames {
				sent <- time.Now()
				if _, err := unix.Write(e.from, frameOf(e.name, i)); err != nil {
					errs <- err
					return
				}
				time.Sleep(time.Millisecond)
			}
			select {
			case err := <-got:
				errs <- err
			case <-time.After(20 * time.Second):
				errs <- fmt.Errorf("%s: the frames never all arrived", e.name)
			}
		}()
	}
	for range ends {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestLinkBothWaysThroughASmallRing passes many more bytes than its ring
// holds both ways at once, so that each ring wraps many times: every frame
// arrives whole and in order on its side.
func TestLinkBothWaysThroughASmallRing(t *testing.T) {
	left, right := packetPair(t), packetPair(t)
	runLink(t, [][2]int{{left[1], right[0]}}, left[0], time.Millisecond, 3*maxFrame)
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
	if code := RelayMain([]string{"-delay", "1ms"}, &stderr); code != 2 || !strings.Contains(stderr.String(), "at least one -link is needed") {
		t.Errorf("RelayMain without -link = %d, %q", code, stderr.String())
	}
	stderr.Reset()
	if code := RelayMain([]string{"-link", "vh1,ns"}, &stderr); code != 2 || !strings.Contains(stderr.String(), `want DEV,NETNS,HOST-DEV, not "vh1,ns"`) {
		t.Errorf("RelayMain with a short -link = %d, %q", code, stderr.String())
	}
	// A device that is not there is an error, and is not made.
	stderr.Reset()
	if code := RelayMain([]string{"-link", "shoal-no-tap,no-such-ns-shoal,eth0"}, &stderr); code != 1 || !strings.Contains(stderr.String(), "TAP device shoal-no-tap") {
		t.Errorf("RelayMain with nothing to attach to = %d, %q", code, stderr.String())
	}
	if _, err := net.InterfaceByName("shoal-no-tap"); err == nil {
		t.Error("RelayMain made the TAP device it was to attach to")
	}
}
