package lab

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// RelayMain runs the lab's link relay: for each -link DEV,NETNS,HOST-DEV
// it joins two TAP devices, DEV in the namespace it runs in (the deployer
// side, where DEV is a bridge port) and HOST-DEV in the namespace NETNS
// (the host's eth0), and passes every frame from one to the other after
// -delay. The kernel may lack netem, which would do this in a qdisc; tbf
// on the two devices limits the rate. One relay serves every link of a
// lab. It writes the file -ready once every device is joined, and runs
// until it is killed. args are the relay's flags; it returns an exit code.
func RelayMain(args []string, stderr io.Writer) int {
	fl := flag.NewFlagSet("relay", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var links []relayLink
	fl.Func("link", "`DEV,NETNS,HOST-DEV`: a TAP device here, and a host's namespace and TAP device there (repeated)", func(v string) error {
		f := strings.Split(v, ",")
		if len(f) != 3 || slices.Contains(f, "") {
			return fmt.Errorf("want DEV,NETNS,HOST-DEV, not %q", v)
		}
		links = append(links, relayLink{dev: f[0], netns: f[1], hostDev: f[2]})
		return nil
	})
	delay := fl.Duration("delay", 0, "one-way delay")
	ready := fl.String("ready", "", "file to create once the devices are joined")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if len(links) == 0 || *delay < 0 {
		fmt.Fprintln(stderr, "relay: at least one -link is needed, and -delay must not be negative")
		return 2
	}
	if err := relay(links, *delay, *ready); err != nil {
		fmt.Fprintf(stderr, "relay: %v\n", err)
		return 1
	}
	return 0
}

// relayLink is one host's link: TAP device dev on the relay's side, and
// TAP device hostDev in the host's namespace netns.
type relayLink struct {
	dev, netns, hostDev string
}

// relayNice is the relay's scheduling priority. The relay stands in for a
// wire, which does not wait for a processor: on a busy machine, at the
// default priority, it would get no more than its share beside the
// deploy's own processes, and the link would be slower than its rate.
// It runs only when frames arrive or leave, so it takes no more for it.
const relayNice = -10

// raisePriority sets every thread of the relay to relayNice; threads the
// runtime starts later inherit it. A nice value is a thread's own on
// Linux, and the relay's goroutine may run on any of them. Best effort:
// the relay works at any priority.
func raisePriority() {
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil {
			unix.Setpriority(unix.PRIO_PROCESS, tid, relayNice)
		}
	}
}

func relay(links []relayLink, delay time.Duration, ready string) error {
	var pairs [][2]int
	defer func() {
		for _, p := range pairs {
			unix.Close(p[0])
			unix.Close(p[1])
		}
	}()
	for _, l := range links {
		a, err := openTAP(l.dev)
		if err != nil {
			return err
		}
		b, err := openTAPIn(l.netns, l.hostDev)
		if err != nil {
			unix.Close(a)
			return err
		}
		pairs = append(pairs, [2]int{a, b})
	}
	raisePriority()
	// One processor: the relay's goroutine yields to the scheduler now and
	// then (see link), and with idle processors around each yield would
	// wake another thread to look for work that is never there.
	runtime.GOMAXPROCS(1)
	if ready != "" {
		if err := os.WriteFile(ready, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
			return err
		}
	}
	return link(pairs, delay, ringBytes)
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
		rawWrite(l.dst, l.ring[f.off:f.off+f.n])
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
// each frame to leave delay after it was read (by clock): never before
// delay after it arrived. drop is where frames go that find the line full.
func (l *delayLine) receive(clock func() int64, delay int64, drop []byte) error {
	for range 256 {
		off := l.room()
		buf := drop
		if off >= 0 {
			buf = l.ring[off : off+maxFrame]
		}
		n, errno := rawRead(l.src, buf)
		if errno == unix.EAGAIN {
			return nil
		}
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 || n == 0 {
			err := error(io.EOF)
			if errno != 0 {
				err = errno
			}
			return fmt.Errorf("read: %w", err)
		}
		if off < 0 {
			continue // full: dropped, as by a full link queue
		}
		l.q[(l.head+l.n)%len(l.q)] = slot{off: off, n: n, due: clock() + delay}
		l.n++
		l.end = off + n
	}
	return nil
}

// link passes every frame read from one end of each pair to the other
// end, delay later, in order, until a read fails. One goroutine serves
// every direction of every pair, waiting in one ppoll for a frame on any
// end or the next departure, whichever comes first: no hand-off between
// goroutines or threads, no timer and no allocation per frame, and frames
// of several links that arrive or leave close together share a wake-up,
// which on a virtual machine costs more than the frames' copies. A burst
// is read in one wake-up. ringSize is each direction's room.
//
// While frames are in flight (and for idleAfter after), every system call
// is a raw one, which the Go scheduler does not see: as ordinary ones,
// each would go through the scheduler's bookkeeping and keep its monitor
// thread (sysmon) waking every 20 µs to look at the thread in a system
// call, which cost the relay a fifth of its CPU on a busy link. The loop
// yields to the scheduler every yieldEvery instead, so that sysmon sees it
// make progress and does not preempt it with a signal. An idle relay waits
// in an ordinary ppoll with no timeout: the runtime then parks sysmon
// too, and the relay costs nothing.
func link(pairs [][2]int, delay time.Duration, ringSize int) error {
	var lines []*delayLine
	var fds []unix.PollFd
	for _, p := range pairs {
		for i, fd := range p {
			if err := unix.SetNonblock(fd, true); err != nil {
				return fmt.Errorf("read: %w", err)
			}
			lines = append(lines, newDelayLine(fd, p[1-i], ringSize))
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
	}
	drop := make([]byte, maxFrame)
	start := time.Now()
	clock := func() int64 { return int64(time.Since(start)) }
	var ts unix.Timespec
	yielded, busy := int64(0), int64(0)
	for {
		now := clock()
		wait := int64(-1)
		for _, l := range lines {
			l.send(now)
			if due, ok := l.next(); ok && (wait < 0 || due-now < wait) {
				wait = max(due-now, 0)
			}
		}
		if wait >= 0 {
			busy = now
		}
		var errno unix.Errno
		if wait < 0 && now-busy > int64(idleAfter) {
			_, err := unix.Ppoll(fds, nil, nil)
			errno, _ = err.(unix.Errno)
		} else {
			if now-yielded > int64(yieldEvery) {
				runtime.Gosched()
				yielded = now
			}
			if wait < 0 || wait > int64(yieldEvery) {
				wait = int64(yieldEvery)
			}
			ts = unix.NsecToTimespec(wait)
			_, _, errno = unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)),
				uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		}
		if errno != 0 && errno != unix.EINTR {
			return fmt.Errorf("poll: %w", errno)
		}
		for i, l := range lines {
			if fds[i].Revents == 0 {
				continue
			}
			if err := l.receive(clock, int64(delay), drop); err != nil {
				return err
			}
		}
	}
}

// yieldEvery is how often the relay yields to the Go scheduler while
// frames are in flight, and its longest raw wait: well under the 10 ms
// after which the runtime preempts a goroutine that never yields.
const yieldEvery = 5 * time.Millisecond

// idleAfter is how long the relay keeps waiting in raw system calls
// after its last frame left: a link is often idle for a moment (a round
// trip's wait), and an ordinary wait costs the runtime a thread hand-off
// and a restart of sysmon when it ends.
const idleAfter = 100 * time.Millisecond

// rawRead and rawWrite are read(2) and write(2) as raw system calls (see
// link).
func rawRead(fd int, p []byte) (int, unix.Errno) {
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errno
}

func rawWrite(fd int, p []byte) (int, unix.Errno) {
	n, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errno
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

// openTAPIn attaches to a TAP device in another network namespace. The
// file descriptor stays bound to the device whatever namespace uses it.
func openTAPIn(netns, name string) (int, error) {
	fd := -1
	err := inNetns(netns, func() error {
		var err error
		fd, err = openTAP(name)
		return err
	})
	if err != nil && fd >= 0 {
		unix.Close(fd)
		fd = -1
	}
	return fd, err
}

// inNetns runs f in the network namespace netns: on a thread of its own
// that enters the namespace and comes back.
func inNetns(netns string, f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		done <- func() error {
			home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("own network namespace: %w", err)
			}
			defer unix.Close(home)
			target, err := unix.Open("/run/netns/"+netns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("namespace %s: %w", netns, err)
			}
			defer unix.Close(target)
			if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("enter namespace %s: %w", netns, err)
			}
			err = f()
			if err2 := unix.Setns(home, unix.CLONE_NEWNET); err2 != nil {
				// The thread is stuck in the other namespace: leave it
				// locked, so that it ends with this goroutine.
				return fmt.Errorf("leave namespace %s: %w", netns, err2)
			}
			runtime.UnlockOSThread()
			return err
		}()
	}()
	return <-done
}
