import CRMDomain

/// Where a rebuild stops: a log position or a business date.
public enum AsOf: Sendable, Hashable {
    /// Every event up to and including this position.
    case position(UInt64)
    /// Every event whose business time (occurredAt) is before the end of this day (UTC),
    /// whenever it was recorded.
    case businessDay(CalendarDay)
}
