package main

import (
	"fmt"
	"io"
	"strings"
)

// row is one trace at one cache size: the hit ratio of each policy, in percent.
type row struct {
	trace              string
	requests, distinct int
	frac               float64
	size               int
	runs               int
	ratio              []float64
}

type table struct {
	policies []policy
	rows     []row
}

func (t *table) col(name string) int {
	for i, p := range t.policies {
		if p.name == name {
			return i
		}
	}
	return -1
}

// print writes the table in Markdown: a row per trace and size, the default policy's lead over
// otter and over LRU, and the averages.
func (t *table) print(w io.Writer) {
	def, ot, lru := t.col(defaultName), t.col("otter"), t.col("lru")
	head := []string{"trace", "requests", "distinct", "size", "runs"}
	for _, p := range t.policies {
		head = append(head, p.name)
	}
	if def >= 0 && ot >= 0 {
		head = append(head, defaultName+"-otter")
	}
	if def >= 0 && lru >= 0 {
		head = append(head, defaultName+"-lru")
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(head)))
	sum := make([]float64, len(t.policies))
	var worst float64
	worstAt := ""
	for _, r := range t.rows {
		cells := []string{r.trace, fmt.Sprint(r.requests), fmt.Sprint(r.distinct), fmt.Sprintf("%d (%g%%)", r.size, 100*r.frac), fmt.Sprint(r.runs)}
		for i, v := range r.ratio {
			cells = append(cells, fmt.Sprintf("%.2f", v))
			sum[i] += v
		}
		if def >= 0 && ot >= 0 {
			d := r.ratio[def] - r.ratio[ot]
			cells = append(cells, fmt.Sprintf("%+.2f", d))
			if worstAt == "" || d < worst {
				worst, worstAt = d, fmt.Sprintf("%s at %d", r.trace, r.size)
			}
		}
		if def >= 0 && lru >= 0 {
			cells = append(cells, fmt.Sprintf("%+.2f", r.ratio[def]-r.ratio[lru]))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	if len(t.rows) == 0 {
		return
	}
	n := float64(len(t.rows))
	cells := []string{"**average**", "", "", "", ""}
	for _, s := range sum {
		cells = append(cells, fmt.Sprintf("**%.2f**", s/n))
	}
	if def >= 0 && ot >= 0 {
		cells = append(cells, fmt.Sprintf("**%+.2f**", (sum[def]-sum[ot])/n))
	}
	if def >= 0 && lru >= 0 {
		cells = append(cells, fmt.Sprintf("**%+.2f**", (sum[def]-sum[lru])/n))
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	if worstAt != "" {
		fmt.Fprintf(w, "\nWorst %s against otter: %+.2f points (%s).\n", defaultName, worst, worstAt)
	}
}
