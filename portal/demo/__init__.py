"""A realistic, deterministic demo data set: `portal demo` loads it (see `load_demo`).

Made-up people and providers in real places (south-west London and Harrow). Every random
choice comes from a seeded generator and every date is an offset from the first day of the
current month, so runs in the same month give identical rows and the demo never looks stale.
Its text, and the weights and schedules its draws follow, are read from
portal/data/demo/*.toml by `portal.demo.text`. One module per part, made in this order:
`people` (agencies and accounts), `providers` (locations, organisations, ratings), `items`
(intelligence, with `slots` filling its templates), `meetings` (with their packs and
minutes), `concerns` (and embargoes), `monitoring` (contract visits, care monitoring);
`world` holds what they share, `load` runs them.
"""

from portal.demo.load import DemoReport, load_demo
from portal.demo.people import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "DemoReport", "load_demo"]
