"""How many suspect-pack reports the dApp's form takes: a few per browser session, a bounded
number per hour overall. An anonymous report costs its sender nothing, so without a limit one
script could bury the regulator's list; participants can still anchor theirs on-chain directly."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from dapp.errors import PlatformError
from dapp.i18n import _

PER_SESSION = 5
OVERALL = 240
WINDOW_S = 3600.0


class TooManyReports(PlatformError):
    """The report form's limit is reached; the message says when to try again."""


class ReportLimiter:
    def __init__(self, per_session: int = PER_SESSION, overall: int = OVERALL, window_s: float = WINDOW_S,
                 clock=time.monotonic):
        self.per_session, self.overall, self.window_s, self.clock = per_session, overall, window_s, clock
        self._lock = threading.Lock()
        self._sessions: dict[str, deque[float]] = defaultdict(deque)
        self._all: deque[float] = deque()

    def take(self, session: str) -> None:
        """Counts one report of `session`; raises TooManyReports (nothing counted) over a limit."""
        with self._lock:
            now = self.clock()
            for times in (self._sessions[session], self._all):
                while times and times[0] <= now - self.window_s:
                    times.popleft()
            mine = self._sessions[session]
            if len(mine) >= self.per_session:
                minutes = max(1, round((mine[0] + self.window_s - now) / 60))
                raise TooManyReports(_("this browser has sent {count} reports in the last hour; send the next in "
                                       "{minutes} min, or contact the regulator directly").format(
                                           count=len(mine), minutes=minutes))
            if len(self._all) >= self.overall:
                raise TooManyReports(_("the report form is taking too many reports right now; try again in a few "
                                       "minutes, or contact the regulator directly"))
            mine.append(now)
            self._all.append(now)
