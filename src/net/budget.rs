//! The server-wide memory budget for incoming frame buffers. Each
//! connection reserves what its next frame needs before it reads more; a
//! connection that cannot reserve stops reading its socket (TCP back-pressure
//! slows its peer) until another gives memory back.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// The budget and what is taken of it.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    limit: usize,
    reserved: AtomicUsize,
    buffered: AtomicUsize,
    waiting: AtomicUsize,
    freed: Notify,
}

/// What the budget looks like now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetStats {
    /// The budget, in bytes.
    pub budget: usize,
    /// Bytes reserved by connections for the frames they are receiving.
    pub reserved: usize,
    /// Bytes of memory the incoming frame buffers take now: what arrived,
    /// and room already made for the rest of the frames under way.
    pub buffered: usize,
    /// Connections waiting for memory before they read on.
    pub waiting: usize,
}

impl MemoryBudget {
    pub(crate) fn new(limit: usize) -> Arc<MemoryBudget> {
        Arc::new(MemoryBudget {
            limit,
            reserved: AtomicUsize::new(0),
            buffered: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            freed: Notify::new(),
        })
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    pub(crate) fn stats(&self) -> BudgetStats {
        BudgetStats {
            budget: self.limit,
            reserved: self.reserved.load(Ordering::Relaxed),
            buffered: self.buffered.load(Ordering::Relaxed),
            waiting: self.waiting.load(Ordering::Relaxed),
        }
    }

    /// Takes `bytes` more if they fit.
    fn try_take(&self, bytes: usize) -> bool {
        self.reserved
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                held.checked_add(bytes).filter(|&total| total <= self.limit)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: usize) {
        if bytes > 0 {
            self.reserved.fetch_sub(bytes, Ordering::AcqRel);
            self.freed.notify_waiters();
        }
    }
}

/// One connection's share of the budget; given back when dropped.
#[derive(Debug)]
pub(crate) struct Reservation {
    budget: Arc<MemoryBudget>,
    reserved: usize,
    buffered: usize,
}

impl Reservation {
    pub(crate) fn new(budget: Arc<MemoryBudget>) -> Reservation {
        Reservation {
            budget,
            reserved: 0,
            buffered: 0,
        }
    }

    /// Makes the reservation exactly `bytes`, waiting while the budget has
    /// no room for it. The caller bounds the wait (idle timeout, stop).
    pub(crate) async fn resize(&mut self, bytes: usize) {
        if bytes <= self.reserved {
            self.budget.give_back(self.reserved - bytes);
            self.reserved = bytes;
            return;
        }
        let more = bytes - self.reserved;
        let mut waiting = None;
        loop {
            // Registered before the attempt, so a release in between wakes us.
            let freed = self.budget.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if self.budget.try_take(more) {
                break;
            }
            waiting.get_or_insert_with(|| Waiting::new(&self.budget));
            freed.await;
        }
        drop(waiting);
        self.reserved = bytes;
    }

    /// Records what the connection's buffer holds now, for the stats.
    pub(crate) fn set_buffered(&mut self, bytes: usize) {
        let budget = &self.budget.buffered;
        if bytes >= self.buffered {
            budget.fetch_add(bytes - self.buffered, Ordering::Relaxed);
        } else {
            budget.fetch_sub(self.buffered - bytes, Ordering::Relaxed);
        }
        self.buffered = bytes;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.set_buffered(0);
        self.budget.give_back(self.reserved);
    }
}

/// Counts a connection as waiting while it lives, however the wait ends
/// (memory found, or the wait dropped by a timeout or a stop).
struct Waiting<'a>(&'a MemoryBudget);

impl<'a> Waiting<'a> {
    fn new(budget: &'a MemoryBudget) -> Self {
        budget.waiting.fetch_add(1, Ordering::Relaxed);
        Waiting(budget)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reservation_waits_for_memory_and_gives_it_back_when_dropped() {
        let budget = MemoryBudget::new(100);
        let mut a = Reservation::new(budget.clone());
        a.resize(80).await;
        let mut b = Reservation::new(budget.clone());
        let waiter = tokio::spawn(async move {
            b.resize(50).await;
            b
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        assert_eq!(budget.stats().waiting, 1);
        a.resize(30).await;
        let b = tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("the waiter got its memory")
            .expect("task");
        assert_eq!(budget.stats().reserved, 80);
        assert_eq!(budget.stats().waiting, 0);
        drop(a);
        drop(b);
        assert_eq!(budget.stats().reserved, 0);
    }

    #[tokio::test]
    async fn an_abandoned_wait_is_not_counted() {
        let budget = MemoryBudget::new(10);
        let mut a = Reservation::new(budget.clone());
        a.resize(10).await;
        let mut b = Reservation::new(budget.clone());
        let cut = tokio::time::timeout(std::time::Duration::from_millis(20), b.resize(5)).await;
        assert!(cut.is_err());
        assert_eq!(budget.stats().waiting, 0);
        assert_eq!(budget.stats().reserved, 10);
    }
}
