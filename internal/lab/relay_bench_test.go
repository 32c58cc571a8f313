package lab

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkLabLink measures a lab's links as the deploy bench uses them
// (100 Mbit/s, 25 ms each way): 50 MiB over plain TCP from the deployer
// side to each of 1 and of 8 hosts at once. It reports the link relay's
// CPU time per host's 50 MiB (user and system, from the kernel's
// accounting of the relay's threads; the kernel's work to pass the
// frames on is charged to it too), each host's throughput (tbf's rate is
// the ceiling), and the round trip of one byte on an idle link (twice the
// delay, plus the machine's wake-up latency). Run it as root:
//
//	go test ./internal/lab -run '^$' -bench LabLink -benchtime 1x
func BenchmarkLabLink(b *testing.B) {
	needLab(b)
	for _, hosts := range []int{1, 8} {
		b.Run(fmt.Sprintf("hosts=%d", hosts), func(b *testing.B) {
			const delay, payload = 25 * time.Millisecond, 50 << 20
			l, _ := upTestLab(b, hosts, Link{Rate: 100_000_000, Delay: delay})
			var addrs []string
			for _, h := range l.Hosts {
				addrs = append(addrs, serveSink(b, h.Namespace, h.Address))
			}
			rtt := idleRoundTrip(b, l.Deployer.Namespace, addrs[0])
			data := bytes.Repeat([]byte("shoal lab link "), payload/15+1)[:payload]
			// A first transfer touches the relay's buffers, once in its life.
			sendAll(b, l.Deployer.Namespace, addrs, data[:16<<20])
			cpu0 := relayCPU(b, l)
			var took time.Duration
			b.ResetTimer()
			for range b.N {
				took += sendAll(b, l.Deployer.Namespace, addrs, data)
			}
			b.StopTimer()
			cpu := relayCPU(b, l) - cpu0
			n := float64(b.N * hosts)
			b.ReportMetric(float64(cpu.Milliseconds())/n, "relay-cpu-ms/50MiB")
			b.ReportMetric(float64(payload*8)/(took.Seconds()/float64(b.N))/1e6, "Mbit/s/host")
			b.ReportMetric(float64(rtt.Microseconds())/1000, "idle-rtt-ms")
		})
	}
}

// serveSink listens on port 5201 of addr in namespace netns until the
// benchmark ends. A connection that starts with "e" is echoed byte by
// byte; any other is read to its end, then answered with one byte.
func serveSink(b *testing.B, netns, addr string) string {
	b.Helper()
	var ln net.Listener
	if err := inNetns(netns, func() error {
		var err error
		ln, err = net.Listen("tcp", net.JoinHostPort(addr, "5201"))
		return err
	}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 1<<16)
				if _, err := io.ReadFull(c, buf[:1]); err != nil {
					return
				}
				if buf[0] == 'e' {
					c.Write(buf[:1])
					io.Copy(c, c)
					return
				}
				io.CopyBuffer(io.Discard, c, buf)
				c.Write([]byte{1})
			}()
		}
	}()
	return ln.Addr().String()
}

// dial connects to addr from namespace netns.
func dial(b *testing.B, netns, addr string) *net.TCPConn {
	b.Helper()
	var c net.Conn
	if err := inNetns(netns, func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr, 10*time.Second)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	return c.(*net.TCPConn)
}

// idleRoundTrip is the median of 20 one-byte round trips to addr's echo.
func idleRoundTrip(b *testing.B, netns, addr string) time.Duration {
	b.Helper()
	c := dial(b, netns, addr)
	defer c.Close()
	c.SetNoDelay(true)
	var rtts []time.Duration
	buf := []byte{'e'}
	for range 21 {
		start := time.Now()
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
		rtts = append(rtts, time.Since(start))
		time.Sleep(20 * time.Millisecond)
	}
	rtts = rtts[1:] // the first carries the connection's setup
	slices.Sort(rtts)
	return rtts[len(rtts)/2]
}

// sendAll sends data to every addr at once and waits until each has read
// all of it; it returns the mean time a host took.
func sendAll(b *testing.B, netns string, addrs []string, data []byte) time.Duration {
	b.Helper()
	var wg sync.WaitGroup
	took := make([]time.Duration, len(addrs))
	errs := make([]error, len(addrs))
	for i, addr := range addrs {
		c := dial(b, netns, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			start := time.Now()
			if _, err := c.Write([]byte{'d'}); err != nil {
				errs[i] = err
				return
			}
			if _, err := c.Write(data); err != nil {
				errs[i] = err
				return
			}
			c.CloseWrite()
			if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
				errs[i] = fmt.Errorf("%s: no answer after the data: %w", addr, err)
				return
			}
			took[i] = time.Since(start)
		}()
	}
	wg.Wait()
	var sum time.Duration
	for i, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
		sum += took[i]
	}
	return sum / time.Duration(len(addrs))
}

// relayCPU is the time the lab's relay processes' threads have run, from
// the kernel's scheduler statistics.
func relayCPU(b *testing.B, l *Lab) time.Duration {
	b.Helper()
	var stats []string
	var pids []int
	for _, h := range l.Hosts {
		if slices.Contains(pids, h.RelayPID) {
			continue
		}
		pids = append(pids, h.RelayPID)
		s, err := filepath.Glob("/proc/" + strconv.Itoa(h.RelayPID) + "/task/*/schedstat")
		if err != nil || len(s) == 0 {
			b.Fatalf("relay %d: no scheduler statistics: %v", h.RelayPID, err)
		}
		stats = append(stats, s...)
	}
	var sum time.Duration
	for _, f := range stats {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that ended
		}
		ns, err := strconv.ParseInt(strings.Fields(string(data))[0], 10, 64)
		if err != nil {
			b.Fatalf("%s: %v", f, err)
		}
		sum += time.Duration(ns)
	}
	return sum
}
