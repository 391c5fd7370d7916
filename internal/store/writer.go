package store

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// writer is the group commit. Request goroutines reserve a log index, sign
// their receipt (the index is a signed claim) and hand it in; one goroutine
// commits every receipt that continues the log without a gap, as soon as the
// previous commit ends. So concurrent requests share an fsync, nobody waits
// on a timer, and the log never has a hole even after a crash.
type writer struct {
	s     *Store
	queue chan *pending

	mu     sync.Mutex
	next   uint64 // next index to hand out
	gen    uint64 // bumped when reserved indexes are thrown away
	closed bool
	failed atomic.Pointer[error] // a commit failed in bbolt itself: no more writes (see commit)
	active sync.WaitGroup        // appenders between reserve and ack

	sizeMu    sync.RWMutex
	committed uint64

	done chan struct{}

	stripes [1024]sync.Mutex // per site|visitor, so prev chains stay linear
	cpu     chan struct{}    // one slot per core for building receipts
}

type pending struct {
	index, gen uint64
	rec        *Receipt    // a receipt, or
	ev         *Event      // a log event; neither: the reservation was abandoned
	remove     []uuid.UUID // receipts the event removes, in the same commit
	ack        chan error
}

// maxBatch bounds one transaction so a burst cannot build an unbounded commit.
const maxBatch = 2000

// A commit of at least busyBatch entries means load is high; the next batch
// then gathers for up to lingerFor before committing.
const (
	busyBatch = 16
	lingerFor = 2 * time.Millisecond
)

func (w *writer) start(s *Store, size uint64) {
	w.s, w.next, w.committed = s, size, size
	w.queue = make(chan *pending, 4096)
	w.cpu = make(chan struct{}, runtime.GOMAXPROCS(0))
	w.done = make(chan struct{})
	go w.loop()
}

// reserve hands out the next log index. ok is false once the store closes.
func (w *writer) reserve() (index, gen uint64, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.failed.Load() != nil {
		return 0, 0, false
	}
	w.active.Add(1)
	index, gen = w.next, w.gen
	w.next++
	return index, gen, true
}

// submit hands in a reserved index and waits until it is durable or failed.
func (w *writer) submit(p *pending) error {
	defer w.active.Done()
	p.ack = make(chan error, 1)
	w.queue <- p
	return <-p.ack
}

// stop waits for reserved writes, then ends the loop. It reports whether
// this call did the stopping.
func (w *writer) stop() bool {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if already {
		return false
	}
	w.active.Wait()
	close(w.queue)
	<-w.done
	return true
}

// broken returns why the store takes no more writes, or nil. (Atomic:
// every decision asks, and w.mu is the writer's busiest lock.)
func (w *writer) broken() error {
	if e := w.failed.Load(); e != nil {
		return *e
	}
	return nil
}

func (w *writer) committedSize() uint64 {
	w.sizeMu.RLock()
	defer w.sizeMu.RUnlock()
	return w.committed
}

func (w *writer) loop() {
	defer close(w.done)
	waiting := map[uint64]*pending{}
	var batch []*pending
	busy := false // the last commit was a large batch: load is high
	linger := time.NewTimer(0)
	<-linger.C
	for p := range w.queue {
		w.accept(p, waiting)
		// Under load a commit's fixed cost (two fsyncs, the meta page, the
		// tree's and indexes' upper pages) dominates, so the writer lingers
		// up to lingerFor to commit more at once. Under light load it
		// commits at once: nobody waits for a timer then.
		if busy {
			linger.Reset(lingerFor)
		}
	drain:
		for len(waiting) < maxBatch {
			if !busy {
				select {
				case p, ok := <-w.queue:
					if !ok {
						break drain
					}
					w.accept(p, waiting)
					continue
				default:
					break drain
				}
			}
			select {
			case p, ok := <-w.queue:
				if !ok {
					break drain
				}
				w.accept(p, waiting)
			case <-linger.C:
				break drain
			}
		}
		if busy && !linger.Stop() {
			select {
			case <-linger.C:
			default:
			}
		}
		batch = w.contiguous(waiting, batch[:0])
		busy = len(batch) >= busyBatch
		if len(batch) > 0 {
			w.commit(batch, waiting)
		}
	}
	for _, p := range waiting { // only reachable if a reservation was never handed in
		p.ack <- ErrUnavailable
	}
}

func (w *writer) accept(p *pending, waiting map[uint64]*pending) {
	w.mu.Lock()
	stale := p.gen != w.gen
	w.mu.Unlock()
	switch {
	case stale:
		p.ack <- ErrUnavailable
	case p.rec == nil && p.ev == nil:
		w.rewind(waiting, fmt.Errorf("%w: reservation %d abandoned", ErrUnavailable, p.index))
		p.ack <- ErrUnavailable
	default:
		waiting[p.index] = p
	}
}

func (w *writer) contiguous(waiting map[uint64]*pending, batch []*pending) []*pending {
	for i := w.committedSize() + uint64(len(batch)); len(batch) < maxBatch; i++ {
		p, ok := waiting[i]
		if !ok {
			break
		}
		delete(waiting, i)
		batch = append(batch, p)
	}
	return batch
}

func (w *writer) commit(batch []*pending, waiting map[uint64]*pending) {
	start := time.Now()
	var inner error // the batch's own, before bbolt wrote anything
	err := w.s.db.Update(func(tx *bolt.Tx) error {
		inner = func() error {
			for _, p := range batch {
				if err := p.put(tx, !w.s.noTree); err != nil {
					return err
				}
			}
			if err := putStats(tx, batch); err != nil {
				return err
			}
			return tx.Bucket(bMeta).Put(keyLogSize, putU64(batch[len(batch)-1].index+1))
		}()
		return inner
	})
	if err != nil && inner == nil {
		// bbolt's commit itself failed: a write or fsync error. If it got
		// as far as the meta page, the "rolled back" transaction is what
		// the mmap (and every later transaction) sees, though nobody was
		// told it is stored (etcd-io/bbolt#233). Handing its log indexes
		// out again would give two receipts one index; after an fsync
		// error the kernel may also have dropped the pages it could not
		// write. So, as PostgreSQL does on a failed fsync, the store takes
		// no more writes: a restart reads what is really on disk.
		failed := fmt.Errorf("%w: a commit failed (%v); restart the server", ErrUnavailable, err)
		w.failed.Store(&failed)
	}
	if err != nil {
		err = fmt.Errorf("%w: commit: %v", ErrUnavailable, err)
		for _, p := range batch {
			p.ack <- err
		}
		w.rewind(waiting, err)
		return
	}
	w.sizeMu.Lock()
	w.committed = batch[len(batch)-1].index + 1
	w.sizeMu.Unlock()
	if w.s.onCommit != nil {
		w.s.onCommit(len(batch), time.Since(start))
	}
	for _, p := range batch {
		p.ack <- nil
	}
}

// rewind throws away every reservation not yet committed: the indexes are
// handed out again, and receipts signed with them are refused, so the log
// stays gap-free. Their clients get an error and nothing was acknowledged.
func (w *writer) rewind(waiting map[uint64]*pending, err error) {
	w.mu.Lock()
	w.gen++
	w.next = w.committedSize()
	w.mu.Unlock()
	for i, p := range waiting {
		p.ack <- err
		delete(waiting, i)
	}
}

func (p *pending) put(tx *bolt.Tx, tree bool) error {
	if p.ev != nil {
		for _, id := range p.remove {
			if err := removeReceipt(tx, id); err != nil {
				return err
			}
		}
		return putEvent(tx, p.index, p.ev)
	}
	return putReceipt(tx, p.index, p.rec, tree)
}
