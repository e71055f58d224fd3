/// A bounded map that forgets its least recently used entry first: O(1) lookup, insert and eviction.
///
/// Entries sit in a doubly linked list threaded through an array (indices instead of references, so
/// no per-entry allocation and no retain traffic); a lookup moves its entry to the front.
///
/// An entry may carry tags (the token validator's: its subject, its `jti`), and every entry with a tag
/// leaves at once (`removeAll(tagged:)`) in time proportional to their number, not to the cache's size.
/// The tag index holds only keys present in the cache, so it is bounded by `capacity` as well.
struct LRUCache<Key: Hashable & Sendable, Value: Sendable, Tag: Hashable & Sendable>: Sendable {
    private struct Node: Sendable {
        var key: Key
        var value: Value
        var tags: [Tag]
        var previous: Int?
        var next: Int?
    }

    let capacity: Int
    private var nodes: [Node] = []
    private var index: [Key: Int] = [:]
    private var tagged: [Tag: Set<Key>] = [:]
    private var free: [Int] = []
    private var head: Int?
    private var tail: Int?

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { index.count }

    /// The value for `key`, which becomes the most recently used.
    mutating func value(for key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        moveToFront(slot)
        return nodes[slot].value
    }

    /// The value for `key` without touching the order.
    func peek(_ key: Key) -> Value? {
        index[key].map { nodes[$0].value }
    }

    /// Inserts or replaces (with `tags`, which replace the entry's former ones); returns the key
    /// evicted to make room, if any.
    @discardableResult
    mutating func set(_ value: Value, for key: Key, tags: [Tag] = []) -> Key? {
        if let slot = index[key] {
            untag(slot)
            nodes[slot].value = value
            nodes[slot].tags = tags
            tag(slot)
            moveToFront(slot)
            return nil
        }
        var evicted: Key?
        if index.count >= capacity, let last = tail {
            evicted = nodes[last].key
            remove(slot: last)
        }
        let node = Node(key: key, value: value, tags: tags, previous: nil, next: head)
        let slot: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        if let head { nodes[head].previous = slot }
        head = slot
        if tail == nil { tail = slot }
        index[key] = slot
        tag(slot)
        return evicted
    }

    /// Removes every entry tagged `tag`; returns how many.
    @discardableResult
    mutating func removeAll(tagged tag: Tag) -> Int {
        let keys = tagged[tag] ?? []
        for key in keys { removeValue(for: key) }
        return keys.count
    }

    /// Removes `key` if present.
    mutating func removeValue(for key: Key) {
        if let slot = index[key] { remove(slot: slot) }
    }

    /// Removes every entry whose value matches.
    mutating func removeAll(where shouldRemove: (Value) -> Bool) {
        for slot in index.values where shouldRemove(nodes[slot].value) {
            remove(slot: slot)
        }
    }

    private mutating func remove(slot: Int) {
        let node = nodes[slot]
        unlink(slot)
        untag(slot)
        nodes[slot].tags = []
        index[node.key] = nil
        free.append(slot)
    }

    private mutating func tag(_ slot: Int) {
        for tag in nodes[slot].tags { tagged[tag, default: []].insert(nodes[slot].key) }
    }

    private mutating func untag(_ slot: Int) {
        let key = nodes[slot].key
        for tag in nodes[slot].tags {
            tagged[tag]?.remove(key)
            if tagged[tag]?.isEmpty == true { tagged[tag] = nil }
        }
    }

    private mutating func unlink(_ slot: Int) {
        let node = nodes[slot]
        if let previous = node.previous { nodes[previous].next = node.next } else { head = node.next }
        if let next = node.next { nodes[next].previous = node.previous } else { tail = node.previous }
        nodes[slot].previous = nil
        nodes[slot].next = nil
    }

    private mutating func moveToFront(_ slot: Int) {
        guard head != slot else { return }
        unlink(slot)
        nodes[slot].next = head
        if let head { nodes[head].previous = slot }
        head = slot
        if tail == nil { tail = slot }
    }
}
