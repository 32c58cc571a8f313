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
	errs := make(chan error, 2)
	go func() { errs <- pass(a, b, delay) }()
	go func() { errs <- pass(b, a, delay) }()
	return <-errs
}

// frame is a frame and when it may leave.
type frame struct {
	due  time.Time
	data []byte
}

// maxFrame is the largest read from a TAP device: a virtio-net header and
// a segmentation-offload frame of up to 64 KiB with its headers.
const maxFrame = 1 << 17

// queueFrames bounds the frames in flight in one direction; beyond it the
// relay drops, as a full link queue does.
const queueFrames = 8192

// pass reads frames from src and writes each to dst delay later, in order.
// One goroutine on its own thread does both, waiting in ppoll for the next
// frame or the next departure, whichever comes first: no hand-off between
// goroutines and no timer per frame, so a busy link costs about a read and
// a write per frame. src is read until it would block, so a burst leaves
// in one wake-up.
func pass(src, dst int, delay time.Duration) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.SetNonblock(src, true); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	var q []frame // due times only grow: a FIFO is a delay line
	buf := make([]byte, maxFrame)
	fds := []unix.PollFd{{Fd: int32(src), Events: unix.POLLIN}}
	for {
		now := time.Now()
		sent := 0
		for sent < len(q) && !q[sent].due.After(now) {
			// A failed write is a frame lost on the wire.
			unix.Write(dst, q[sent].data)
			q[sent].data = nil
			sent++
		}
		q = q[sent:]
		var wait *unix.Timespec
		if len(q) > 0 {
			ts := unix.NsecToTimespec(int64(max(time.Until(q[0].due), 0)))
			wait = &ts
		}
		if _, err := unix.Ppoll(fds, wait, nil); err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("poll: %w", err)
		}
		if fds[0].Revents == 0 {
			continue
		}
		for {
			n, err := unix.Read(src, buf)
			if errors.Is(err, unix.EAGAIN) {
				break
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
			if len(q) >= queueFrames {
				continue // queue full: drop, as a full link queue does
			}
			q = append(q, frame{due: time.Now().Add(delay), data: append([]byte(nil), buf[:n]...)})
		}
	}
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
