package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// origin is where and when a run was made, as its record opens.
type origin struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Go      string `json:"go"`
}

// newOrigin describes this run: now, on this computer, with this Go.
func newOrigin() origin {
	return origin{Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), Machine: machine(), Go: runtime.Version()}
}

// runCommand is the command line of this run, as the tables quote it.
func runCommand() string {
	cmd := "go run ./bench"
	if args := os.Args[1:]; len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	return cmd
}

// machine describes this computer: CPU model, cores and memory.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
				mem = fmt.Sprintf(", %d GiB", (kb+(1<<19))>>20)
			}
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s/%s", model, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH)
}
