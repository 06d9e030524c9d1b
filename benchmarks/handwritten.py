"""A hand-written BFS over tuples for the benchmark model (the speed baseline of the reference engine).

State: (S, sock_0, retries_0, blocked_0, ..., sock_{N-1}, retries_{N-1}, blocked_{N-1}).
"""

from __future__ import annotations

from collections import deque


def successors(s: tuple, n: int, R: int) -> list[tuple]:  # type: ignore[type-arg]
    out = []
    S = s[0]

    def cascade(st: list, skip: int = -1) -> None:  # type: ignore[type-arg]
        for j in range(n):
            if j == skip:
                continue
            b = 1 + 3 * j
            if st[b] in ("Connecting", "Open"):
                st[b] = "Closing"
                st[b + 1] = 0
            elif st[b] == "Backoff":
                st[b] = "Closed"
                st[b + 1] = 0

    if S == "LoggedOut":
        out.append(("Authenticating",) + s[1:])
    elif S == "Authenticating":
        st = list(s)
        st[0] = "Active"
        for j in range(n):
            st[3 + 3 * j] = False
        out.append(tuple(st))
        out.append(("LoggedOut",) + s[1:])
    elif S == "Active":
        for target in ("LoggedOut", "Expired"):
            st = list(s)
            st[0] = target
            cascade(st)
            out.append(tuple(st))
    elif S == "Expired":
        out.append(("Authenticating",) + s[1:])
    for i in range(n):
        b = 1 + 3 * i
        sock, r, blocked = s[b], s[b + 1], s[b + 2]

        def put(sock2: str, r2: int, bl2: bool, b: int = b) -> None:
            st = list(s)
            st[b], st[b + 1], st[b + 2] = sock2, r2, bl2
            out.append(tuple(st))

        if sock == "Idle":
            if S == "Active" and not blocked:
                put("Connecting", r, blocked)
        elif sock == "Connecting":
            put("Open", 0, blocked)
            st = list(s)
            st[b], st[b + 1], st[b + 2] = "Closed", 0, True
            if st[0] == "Active":
                st[0] = "Expired"
            cascade(st, i)
            out.append(tuple(st))
            put("Closed", 0, True)
            put("Backoff", r + 1, blocked) if r < R else put("Closed", 0, blocked)
            put("Closing", 0, blocked)
        elif sock == "Backoff":
            if S == "Active" and not blocked:
                put("Connecting", r, blocked)
            put("Closed", 0, blocked)
        elif sock == "Open":
            put("Backoff", r + 1, blocked) if r < R else put("Closed", 0, blocked)
            put("Closing", 0, blocked)
        elif sock == "Closing":
            put("Closed", r, blocked)
        elif sock == "Closed":
            if not blocked:
                put("Idle", 0, blocked)
    return out


def bfs(n: int, R: int = 2) -> int:
    init = ("LoggedOut",) + ("Idle", 0, False) * n
    seen = {init}
    queue = deque([init])
    while queue:
        s = queue.popleft()
        for t in successors(s, n, R):
            if t not in seen:
                seen.add(t)
                queue.append(t)
    return len(seen)


if __name__ == "__main__":
    import sys
    import time

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    t0 = time.perf_counter()
    count = bfs(n)
    print(f"hand-written BFS n={n}: {count} states in {time.perf_counter() - t0:.3f} s")
