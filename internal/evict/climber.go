package evict

// Caffeine's hill climber, as otter v2 and theine also use it: after each sample period (one
// period of the frequency sketch), the window moves by climbStep of the capacity in the
// direction that last improved the hit ratio, turns back when the hit ratio worsens, shrinks its
// steps by climbDecay, and starts over with a full step when the hit ratio jumps by climbRestart.
const (
	climbStep    = 0.0625
	climbDecay   = 0.98
	climbRestart = 0.05
)

type climber struct {
	hits, misses int
	prevRate     float64
	step         float64 // in shares of the capacity, signed
}

// NewClimber returns W-TinyLFU with Caffeine's hill climber in place of the shadow caches, a
// candidate the default was measured against.
func NewClimber(capacity int64) *Policy {
	p := newPolicy(capacity, initialWindow)
	p.climb = &climber{step: -climbStep}
	return p
}

// climbStep moves the window at the end of a sample period. Samples taken while the policy is
// less than half full say nothing about the window and are dropped.
func (p *Policy) climbStep() {
	c := p.climb
	if 2*p.total < p.capacity || !p.counting {
		c.hits, c.misses, c.prevRate = 0, 0, 0
		return
	}
	n := c.hits + c.misses
	if n < p.sk.period {
		return
	}
	rate := float64(c.hits) / float64(n)
	delta := rate - c.prevRate
	amount := c.step
	if delta < 0 {
		amount = -amount
	}
	if delta >= climbRestart || delta <= -climbRestart {
		c.step = climbStep
		if amount < 0 {
			c.step = -climbStep
		}
	} else {
		c.step = climbDecay * amount
	}
	c.prevRate = rate
	c.hits, c.misses = 0, 0
	old := p.windowMax
	p.setWindow(p.frac + amount)
	p.transfer(old)
}
