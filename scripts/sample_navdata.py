"""Write the tests' made-up navigation-data world as files, to try `airspace-risk navdata
import` without an AIRAC subscription. NOT navigation data: positions are approximate and the
airways and procedures simplified (see tests/navdata_world.py).

Run: .venv/bin/python -m scripts.sample_navdata FOLDER
      → FOLDER/world.pc (ARINC 424) and FOLDER/xplane/earth_{fix,nav,awy}.dat
"""

import sys
from pathlib import Path

from tests.navdata_arinc_writer import write_arinc424
from tests.navdata_world import world
from tests.navdata_xplane_writer import write_xplane


def main(folder: Path) -> None:
    """Write both forms of the sample world into the folder."""
    (folder / "xplane").mkdir(parents=True, exist_ok=True)
    write_arinc424(world(), folder / "world.pc")
    written = write_xplane(world(), folder / "xplane")
    print(folder / "world.pc", *written, sep="\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m scripts.sample_navdata FOLDER")
    main(Path(sys.argv[1]))
