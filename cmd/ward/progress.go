package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a bar on a terminal while ward check works through a
// large input (an account's authorization details); elsewhere it is
// silent, so logs and pipes get only the findings.
type progress struct {
	w        io.Writer
	on       bool
	total    int
	start    time.Time
	lastDraw time.Time
}

// newProgress estimates the work as the size of the inputs: a bar appears
// only for inputs big enough to take a moment.
func newProgress(w io.Writer, files []*checkedFile) *progress {
	p := &progress{w: w, start: time.Now()}
	size := 0
	for _, f := range files {
		size += len(f.src)
	}
	f, ok := w.(*os.File)
	if !ok || size < 1<<20 {
		return p
	}
	if info, err := f.Stat(); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return p
	}
	p.on = true
	for _, f := range files {
		p.total += strings.Count(string(f.src), `"PolicyDocument"`) + strings.Count(string(f.src), `"AssumeRolePolicyDocument"`) +
			strings.Count(string(f.src), `"IsDefaultVersion": true`) + 1
	}
	return p
}

// step is called after each policy checked, with the count so far in the
// current file.
func (p *progress) step(done int) {
	if !p.on || time.Since(p.lastDraw) < 50*time.Millisecond {
		return
	}
	p.lastDraw = time.Now()
	frac := float64(done) / float64(max(p.total, 1))
	if frac > 1 {
		frac = 1
	}
	width := 30
	filled := int(frac * float64(width))
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d policies  %.1fs", strings.Repeat("#", filled), strings.Repeat(" ", width-filled),
		frac*100, done, time.Since(p.start).Seconds())
}

func (p *progress) finish() {
	if p.on {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 70))
	}
}
