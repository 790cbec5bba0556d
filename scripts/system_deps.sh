#!/usr/bin/env bash
# Debian packages Maillage needs beyond Python: Chromium for the browser tests, Pango for PDF
# rendering (WeasyPrint). Installed when missing and we are root; otherwise we say what is missing.
set -u
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installation des paquets système manquants : ${missing[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
    || echo "ATTENTION : installation impossible de ${missing[*]}."
else
  echo "ATTENTION : paquets système manquants (${missing[*]}) ; installez-les avec apt-get."
  echo "ATTENTION : sans Chromium, les tests navigateur seront ignorés (jamais en CI)."
fi
exit 0
