package engine

// A shard counts its changes to the DB's arena byte counts (DB.used, dead, slack and
// headSlack, and its own dead) in acct, under its lock, and adds them to those shared atomics
// when it is released (shard.release): at once when used memory changed, else only once they
// reach the DB's batch (acctBatchFor). An overwrite of a value by one of the same size changes
// no used memory, only dead and slack bytes, and so writes nothing shared but every few
// writes: the shared counters' cache lines no longer move from core to core at each Set.
//
// Used memory is so always exact when no shard is held: CheckMemory's used ≤ maxmemory bound,
// its ErrOOM, Stats.UsedMemory and the Go memory limit's share see every change. The dead,
// slack and head slack counts lag by less than a batch a shard: CheckMemory counts that lag
// against its room (acctLag), so the footprint bound holds as before; its dead ≤ maxmemory/8
// check, which only starts compaction early, and Stats.ArenaDead and ArenaSlack may be behind
// by as much. Whatever needs them exact (reclaimOne, releaseExtras, Flush, Close, the tests'
// checks) adds a shard's changes at once (flushAcctLocked).

// acct is a shard's changes to the DB's arena byte counts not yet added to them; guarded by
// the shard's lock.
type acct struct {
	used, dead, slack, headSlack int64
}

// acctMaxBatch is the largest batch, at a large maxmemory or none: 16 KiB a shard, 4 MiB
// over 256 shards.
const acctMaxBatch = 16 << 10

// acctBatchFor returns the batch for a maxmemory of limit bytes (0: none) over shards shards:
// the lag of all shards' counts together (acctLag) is at most an eighth of CheckMemory's
// room, and a batch at most acctMaxBatch.
func acctBatchFor(limit int64, shards int) int64 {
	if limit == 0 {
		return acctMaxBatch
	}
	return max(min(room(limit)/8/int64(shards), acctMaxBatch), 1)
}

// acctLag returns how far the DB's dead, slack and head slack counts may lag behind the
// arenas' (see above): less than a batch a shard for each, and for the footprint less its
// exempt head slack together.
func (db *DB) acctLag() int64 { return int64(len(db.shards)) * db.acctBatch.Load() }

// flushAcctLocked adds the shard's changes to the DB's counts: when used memory changed, or
// the lag they make is a batch (the dead bytes and slack grown, the head slack shrunk: what
// CheckMemory's footprint would miss), or one of them is a batch either way; always with
// force.
func (sh *shard) flushAcctLocked(force bool) {
	a := &sh.acct
	if !force && a.used == 0 {
		b := sh.db.acctBatch.Load()
		if a.dead+a.slack+max(-a.headSlack, 0) < b && max(a.dead, -a.dead, a.slack, -a.slack, a.headSlack, -a.headSlack) < b {
			return
		}
	}
	db := sh.db
	if a.used != 0 {
		db.used.Add(a.used)
	}
	if a.dead != 0 {
		db.dead.Add(a.dead)
		sh.dead.Add(a.dead)
	}
	if a.slack != 0 {
		db.slack.Add(a.slack)
	}
	if a.headSlack != 0 {
		db.headSlack.Add(a.headSlack)
	}
	*a = acct{}
}

// resetAcctLocked drops the shard's changes to used memory and dead bytes, which the caller
// zeroes in the DB (Flush, Close), and adds the others.
func (sh *shard) resetAcctLocked() {
	sh.acct.used, sh.acct.dead = 0, 0
	sh.flushAcctLocked(true)
}
