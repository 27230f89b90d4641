#!/usr/bin/env bash
# Regenerates assets/fonts/kestrel-cjk-subset.ttf: WenQuanYi Micro Hei (Apache-2.0) cut down to
# ASCII, common punctuation and every Chinese character the console's strings (src/ui/i18n.rs)
# use. The console prefers a full system CJK font; this subset is the fallback bundled in the
# binary. Needs `fonttools` (apt-get install fonttools); run after adding Chinese strings.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
chars=$(python3 - <<'PY'
import re
text = open("src/ui/i18n.rs", encoding="utf-8").read()
cjk = sorted({c for c in text if ord(c) > 0x2000})
print("".join(cjk))
PY
)
pyftsubset "$SRC" --font-number=0 \
  --text="$chars" --unicodes="U+0020-007E,U+00A0-00FF,U+00B0,U+00B7,U+2014,U+2026,U+2212,U+25B2" \
  --layout-features='*' --output-file=assets/fonts/kestrel-cjk-subset.ttf
ls -l assets/fonts/kestrel-cjk-subset.ttf
