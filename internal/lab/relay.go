package lab

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// RelayMain runs a host's link relay: it joins two TAP devices, dev in the
// namespace it runs in (the deployer side, where dev is a bridge port) and
// host-dev in the namespace -netns (the host's eth0), and passes every
// frame from one to the other after -delay. The kernel may lack netem,
// which would do this in a qdisc; tbf on the two devices limits the rate.
// It writes the file -ready once both devices are joined, and runs until
// it is killed. args are the relay's flags; it returns an exit code.
func RelayMain(args []string, stderr io.Writer) int {
	fl := flag.NewFlagSet("relay", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dev := fl.String("dev", "", "TAP device in this namespace")
	netns := fl.String("netns", "", "the host's network namespace")
	hostDev := fl.String("host-dev", "", "TAP device in the host's namespace")
	delay := fl.Duration("delay", 0, "one-way delay")
	ready := fl.String("ready", "", "file to create once the devices are joined")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *dev == "" || *netns == "" || *hostDev == "" || *delay < 0 {
		fmt.Fprintln(stderr, "relay: -dev, -netns and -host-dev are needed, and -delay must not be negative")
		return 2
	}
	if err := relay(*dev, *netns, *hostDev, *delay, *ready); err != nil {
		fmt.Fprintf(stderr, "relay %s <-> %s/%s: %v\n", *dev, *netns, *hostDev, err)
		return 1
	}
	return 0
}

func relay(dev, netns, hostDev string, delay time.Duration, ready string) error {
	a, err := openTAP(dev)
	if err != nil {
		return err
	}
	b, err := openTAPIn(netns, hostDev)
	if err != nil {
		unix.Close(a)
		return err
	}
	if ready != "" {
		if err := os.WriteFile(ready, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
			return err
		}
	}
	return link(a, b, delay, ringBytes)
}

// maxFrame is the largest read from a TAP device: a virtio-net header and
// a segmentation-offload frame of up to 64 KiB with its headers.
const maxFrame = 1 << 17

// ringBytes is the room for the frames in flight one way: 4 MiB hold
// 25 ms of a 1 Gbit/s link; a 100 Mbit/s one needs a tenth of it. Beyond
// it the relay drops, as a full link queue does.
const ringBytes = 4 << 20

// queueFrames bounds the frames in flight one way, for the same reason.
const queueFrames = 8192

// slot is a frame in a delay line: where its bytes are in the ring and
// when it may leave (nanoseconds on the relay's clock).
type slot struct {
	off, n int
	due    int64
}

// delayLine holds one direction's frames: their bytes in a ring that
// frames are read into (no copy and no allocation per frame) and their
// slots in a FIFO, oldest first. Due times only grow, so the FIFO is the
// delay line.
type delayLine struct {
	src, dst int
	ring     []byte
	end      int // where the next frame is read to
	q        []slot
	head, n  int
}

func newDelayLine(src, dst, ringSize int) *delayLine {
	return &delayLine{src: src, dst: dst, ring: make([]byte, ringSize), q: make([]slot, queueFrames)}
}

// room returns where a frame of up to maxFrame bytes can be read to, or
// -1 when the line is full.
func (l *delayLine) room() int {
	if l.n == 0 {
		l.end = 0
		return 0
	}
	if l.n == len(l.q) {
		return -1
	}
	first := l.q[l.head].off
	if l.end > first {
		if len(l.ring)-l.end >= maxFrame {
			return l.end
		}
		if first >= maxFrame {
			return 0 // wrap around
		}
		return -1
	}
	if first-l.end >= maxFrame {
		return l.end
	}
	return -1
}

// send writes the frames due by now, oldest first. A failed write is a
// frame lost on the wire.
func (l *delayLine) send(now int64) {
	for l.n > 0 && l.q[l.head].due <= now {
		f := l.q[l.head]
		unix.Write(l.dst, l.ring[f.off:f.off+f.n])
		l.head = (l.head + 1) % len(l.q)
		l.n--
	}
}

// next returns when the oldest frame is due, and whether there is one.
func (l *delayLine) next() (int64, bool) {
	if l.n == 0 {
		return 0, false
	}
	return l.q[l.head].due, true
}

// receive reads src until it would block (or a burst's worth), queueing
// each frame to leave at due. drop is where frames go that find the line
// full.
func (l *delayLine) receive(due int64, drop []byte) error {
	for range 256 {
		off := l.room()
		buf := drop
		if off >= 0 {
			buf = l.ring[off : off+maxFrame]
		}
		n, err := unix.Read(l.src, buf)
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			if err == nil {
				err = io.EOF
			}
			return fmt.Errorf("read: %w", err)
		}
		if off < 0 {
			continue // full: dropped, as by a full link queue
		}
		l.q[(l.head+l.n)%len(l.q)] = slot{off: off, n: n, due: due}
		l.n++
		l.end = off + n
	}
	return nil
}

// link passes every frame read from a to b and from b to a, delay later,
// in order, until a read fails. One goroutine on its own thread serves
// both directions, waiting in one ppoll for a frame on either side or the
// next departure, whichever comes first: no hand-off between goroutines
// or threads, no timer and no allocation per frame, and a single thread
// in a system call, which the Go scheduler leaves alone while the other
// processors idle. A burst is read in one wake-up. ringSize is each
// direction's room.
func link(a, b int, delay time.Duration, ringSize int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, fd := range []int{a, b} {
		if err := unix.SetNonblock(fd, true); err != nil {
			return fmt.Errorf("read: %w", err)
		}
	}
	lines := [2]*delayLine{newDelayLine(a, b, ringSize), newDelayLine(b, a, ringSize)}
	drop := make([]byte, maxFrame)
	fds := []unix.PollFd{{Fd: int32(a), Events: unix.POLLIN}, {Fd: int32(b), Events: unix.POLLIN}}
	start := time.Now()
	clock := func() int64 { return int64(time.Since(start)) }
	var ts unix.Timespec
	for {
		now := clock()
		var wait *unix.Timespec
		for _, l := range lines {
			l.send(now)
			if due, ok := l.next(); ok && (wait == nil || due-now < ts.Nano()) {
				ts = unix.NsecToTimespec(max(due-now, 0))
				wait = &ts
			}
		}
		if err := poll(fds, wait); err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("poll: %w", err)
		}
		due := clock() + int64(delay)
		for i, l := range lines {
			if fds[i].Revents == 0 {
				continue
			}
			if err := l.receive(due, drop); err != nil {
				return err
			}
		}
	}
}

// rawPollMax is the longest wait poll makes as a raw system call.
const rawPollMax = 2 * time.Millisecond

// poll waits in ppoll for fds until timeout (nil: no timeout). A short
// wait, the rule on a busy link, is a raw system call, which keeps the
// thread's processor: as an ordinary one, each would go through the Go
// scheduler's bookkeeping and keep its monitor thread polling every
// 20 µs, which cost the relay a third of its CPU on a busy link. A longer
// wait is an ordinary system call: a raw one would be interrupted by the
// runtime's preemption signal every 10 ms, which costs more on a quiet
// link than it saves, and an idle relay lets the monitor sleep.
func poll(fds []unix.PollFd, timeout *unix.Timespec) error {
	if timeout == nil || timeout.Nano() > int64(rawPollMax) {
		_, err := unix.Ppoll(fds, timeout, nil)
		return err
	}
	_, _, errno := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)),
		uintptr(unsafe.Pointer(timeout)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// openTAP attaches to the existing TAP device name in the calling
// thread's network namespace. It never makes one: TUNSETIFF would create a
// missing device, in whatever namespace the relay was started.
func openTAP(name string) (int, error) {
	if _, err := net.InterfaceByName(name); err != nil {
		return -1, fmt.Errorf("TAP device %s: %w", name, err)
	}
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	var req [unix.IFNAMSIZ + 64]byte
	copy(req[:unix.IFNAMSIZ-1], name)
	*(*uint16)(unsafe.Pointer(&req[unix.IFNAMSIZ])) = unix.IFF_TAP | unix.IFF_NO_PI | unix.IFF_VNET_HDR
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETIFF, uintptr(unsafe.Pointer(&req[0]))); errno != 0 {
		unix.Close(fd)
		return -1, fmt.Errorf("attach to TAP device %s: %w", name, errno)
	}
	// Both ends of a link take segmentation-offload frames with a
	// virtio-net header, as a real NIC's TSO does: the relay passes a
	// 64 KiB TCP burst in one read and one write instead of 45 frames,
	// and its CPU stays out of the way of what the lab measures. The
	// header is the same at both ends, so frames pass through unchanged;
	// tbf's burst is above 64 KiB, so shaping does not split them.
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETOFFLOAD, tunOffloads); errno != 0 {
		unix.Close(fd)
		return -1, fmt.Errorf("offloads on TAP device %s: %w", name, errno)
	}
	return fd, nil
}

// tunOffloads are the TUNSETOFFLOAD flags (linux/if_tun.h): checksum
// offload and TCP segmentation offload for IPv4 and IPv6.
const tunOffloads = 0x01 | 0x02 | 0x04 // TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6

// openTAPIn attaches to a TAP device in another network namespace: on a
// thread of its own that enters the namespace and comes back. The file
// descriptor stays bound to the device whatever namespace uses it.
func openTAPIn(netns, name string) (int, error) {
	type result struct {
		fd  int
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := func() (int, error) {
			home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return -1, fmt.Errorf("own network namespace: %w", err)
			}
			defer unix.Close(home)
			target, err := unix.Open("/run/netns/"+netns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return -1, fmt.Errorf("namespace %s: %w", netns, err)
			}
			defer unix.Close(target)
			if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
				return -1, fmt.Errorf("enter namespace %s: %w", netns, err)
			}
			fd, err := openTAP(name)
			if err2 := unix.Setns(home, unix.CLONE_NEWNET); err2 != nil {
				// The thread is stuck in the other namespace: leave it
				// locked, so that it ends with this goroutine.
				if fd >= 0 {
					unix.Close(fd)
				}
				return -1, fmt.Errorf("leave namespace %s: %w", netns, err2)
			}
			runtime.UnlockOSThread()
			return fd, err
		}()
		done <- result{fd, err}
	}()
	r := <-done
	return r.fd, r.err
}
