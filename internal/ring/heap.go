package ring

// minHeap is a binary min-heap of T in the order less gives. It holds values rather than
// pointers, so the garbage collector has nothing to track (container/heap, through its
// interface, costs a write barrier per swap of pointers).
type minHeap[T any] struct {
	items []T
	less  func(a, b T) bool
}

// init orders the items as a heap.
func (h *minHeap[T]) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// fixTop restores the order after the smallest item changed.
func (h *minHeap[T]) fixTop() { h.down(0) }

// pop removes the smallest item.
func (h *minHeap[T]) pop() {
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	if n > 0 {
		h.down(0)
	}
}

func (h *minHeap[T]) down(i int) {
	it := h.items
	for {
		c := 2*i + 1
		if c >= len(it) {
			return
		}
		if r := c + 1; r < len(it) && h.less(it[r], it[c]) {
			c = r
		}
		if !h.less(it[c], it[i]) {
			return
		}
		it[i], it[c] = it[c], it[i]
		i = c
	}
}
