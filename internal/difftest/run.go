package difftest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Config says what a differential run does.
type Config struct {
	Script  string // bench/difftest/iamsimulate.mjs
	Dir     string // the folder where `npm install @cloud-copilot/iam-simulate` ran
	TempDir string
	N       int    // scenarios
	Seed    uint64 // the generator's seed
	Workers int    // node processes at a time
	// Chunk is how many scenarios are held in memory at once.
	Chunk int
	// Progress, when set, hears about each chunk done.
	Progress func(done int, r *Report)
}

// Report is the outcome of a differential run.
type Report struct {
	Version string // iam-simulate's
	N       int
	Agree   int
	Refused []Refusal // scenarios one side would not read
	// Explained counts the disagreements each cause explains; Examples
	// keeps the first few of each, minimized.
	Explained map[string]int
	Examples  map[string][]*Disagreement
	// Unexplained are minimized disagreements no cause explains.
	Unexplained []*Disagreement
	Elapsed     time.Duration
}

// Refusal is a generated scenario that the scenario reader or
// iam-simulate refused: a bug in the generator (or a reader).
type Refusal struct {
	Scenario *Scenario
	Err      string
}

// Disagreements is how many scenarios the engines answered differently.
func (r *Report) Disagreements() int {
	n := len(r.Unexplained)
	for _, c := range r.Explained {
		n += c
	}
	return n
}

// Run generates cfg.N scenarios, decides each with ward and with
// iam-simulate, minimizes every disagreement and attributes it to a cause.
func Run(cfg Config) (*Report, error) {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.Chunk < 1 {
		cfg.Chunk = 20000
	}
	start := time.Now()
	rep := &Report{N: cfg.N, Explained: map[string]int{}, Examples: map[string][]*Disagreement{}}
	g := NewGenerator(cfg.Seed)
	sims := make([]*Simulator, cfg.Workers)
	defer func() {
		for _, s := range sims {
			if s != nil {
				s.Close()
			}
		}
	}()
	for done := 0; done < cfg.N; {
		n := min(cfg.Chunk, cfg.N-done)
		scs := make([]*Scenario, n)
		for i := range scs {
			scs[i] = g.Scenario()
		}
		done += n
		wards := make([]Answer, n)
		werrs := make([]error, n)
		parallel(cfg.Workers, n, func(i int) { wards[i], werrs[i] = Ward(scs[i]) })

		// iam-simulate: one process per worker, each reading a file.
		per := (n + cfg.Workers - 1) / cfg.Workers
		simAns := make([]SimAnswer, n)
		errs := make([]error, cfg.Workers)
		var wg sync.WaitGroup
		for w := 0; w < cfg.Workers; w++ {
			lo, hi := w*per, min(n, (w+1)*per)
			if lo >= hi {
				continue
			}
			file := filepath.Join(cfg.TempDir, fmt.Sprintf("scenarios-%d.jsonl", w))
			if err := writeLines(file, scs[lo:hi]); err != nil {
				return nil, err
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, ans, err := DecideFile(cfg.Script, cfg.Dir, file, hi-lo)
				if err != nil {
					errs[w] = err
					return
				}
				rep.Version = v
				copy(simAns[lo:hi], ans)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}

		type pending struct {
			s    *Scenario
			ward Answer
			sim  SimAnswer
		}
		var dis []pending
		for i, s := range scs {
			switch {
			case werrs[i] != nil:
				rep.Refused = append(rep.Refused, Refusal{s, "ward: " + werrs[i].Error()})
			case simAns[i].Error != "":
				rep.Refused = append(rep.Refused, Refusal{s, "iam-simulate: " + simAns[i].Error})
			case simAns[i].Result == wards[i].Result:
				rep.Agree++
			default:
				dis = append(dis, pending{s, wards[i], simAns[i]})
			}
		}

		// Minimize, each worker with a conversation of its own.
		for w := range sims {
			if sims[w] == nil {
				s, err := StartSimulator(cfg.Script, cfg.Dir)
				if err != nil {
					return nil, err
				}
				sims[w] = s
			}
		}
		mins := make([]*Disagreement, len(dis))
		causes := make([]*Cause, len(dis))
		merrs := make([]error, len(dis))
		var next int
		var mu sync.Mutex
		wg = sync.WaitGroup{}
		for w := range sims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= len(dis) {
						return
					}
					mins[i], merrs[i] = Minimize(dis[i].s, dis[i].ward, dis[i].sim, sims[w].DecideOne)
					if merrs[i] == nil {
						causes[i] = Attribute(mins[i])
					}
				}
			}()
		}
		wg.Wait()
		for i, d := range mins {
			if merrs[i] != nil {
				return nil, merrs[i]
			}
			if c := causes[i]; c != nil {
				rep.Explained[c.ID]++
				if len(rep.Examples[c.ID]) < maxExamples {
					rep.Examples[c.ID] = append(rep.Examples[c.ID], d)
				}
			} else {
				rep.Unexplained = append(rep.Unexplained, d)
			}
		}
		if cfg.Progress != nil {
			cfg.Progress(done, rep)
		}
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// maxExamples is how many minimized disagreements a Report keeps of each
// cause: a long run explains tens of thousands.
const maxExamples = 20

// parallel runs f(0..n-1) on workers goroutines.
func parallel(workers, n int, f func(i int)) {
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min(n, (w+1)*per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f(i)
			}
		}()
	}
	wg.Wait()
}

func writeLines(file string, scs []*Scenario) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, s := range scs {
		w.Write(s.JSON())
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Summary is the report in a few lines: the figures docs/conformance.md
// records.
func (r *Report) Summary() string {
	s := fmt.Sprintf("iam-simulate %s: %d scenarios in %s (%.0f scenarios/s); agree on %d (%.2f%%); %d disagreements, %d explained by %d causes, %d unexplained; %d refused",
		r.Version, r.N, r.Elapsed.Round(time.Second), float64(r.N)/r.Elapsed.Seconds(),
		r.Agree, 100*float64(r.Agree)/float64(max(r.N, 1)),
		r.Disagreements(), r.Disagreements()-len(r.Unexplained), len(r.Explained), len(r.Unexplained), len(r.Refused))
	var ids []string
	for id := range r.Explained {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if r.Explained[ids[i]] != r.Explained[ids[j]] {
			return r.Explained[ids[i]] > r.Explained[ids[j]]
		}
		return ids[i] < ids[j]
	})
	for _, id := range ids {
		s += fmt.Sprintf("\n  %7d  %s", r.Explained[id], id)
	}
	return s
}
