"""The CBP/DHS record: official monthly encounter series read into tidy frames.

Read at run time from a folder of CBP files (`../shared/data/cbp` beside the repo, or a data
root; see `location.py`), never copied into the repository. Every reader takes `through`, the
last month it may return: rows after it are skipped before their counts are read, so a fit
made "with data up to" a month cannot see later observations.
"""

from borderflow.record.citizenship import CITIZENSHIP_FILE, read_citizenship
from borderflow.record.location import CBP_FOLDER_ENV, cbp_folder
from borderflow.record.months import Month, month_range
from borderflow.record.nationwide import NATIONWIDE_FILE, read_nationwide
from borderflow.record.sectors import SECTOR_FILE, SOUTHWEST, read_sectors

__all__ = [
    "CBP_FOLDER_ENV",
    "CITIZENSHIP_FILE",
    "NATIONWIDE_FILE",
    "SECTOR_FILE",
    "SOUTHWEST",
    "Month",
    "cbp_folder",
    "month_range",
    "read_citizenship",
    "read_nationwide",
    "read_sectors",
]
