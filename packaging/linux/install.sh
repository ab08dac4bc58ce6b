#!/bin/sh
# Install the built bundle (dist/Mendel) for one user, or system-wide with a PREFIX:
#     packaging/linux/install.sh                  # into ~/.local
#     sudo packaging/linux/install.sh /usr/local  # for everyone
# and remove it again with `packaging/linux/install.sh --uninstall [PREFIX]`.
# Puts the bundle in PREFIX/lib/mendel, a `mendel` link in PREFIX/bin, the desktop entry,
# the icons (hicolor theme) and the AppStream metainfo under PREFIX/share.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
id=org.mendel.Mendel
uninstall=no
if [ "${1:-}" = "--uninstall" ]; then uninstall=yes; shift; fi
prefix=${1:-$HOME/.local}
share=$prefix/share
icons=$share/icons/hicolor

if [ $uninstall = yes ]; then
    rm -rf "$prefix/lib/mendel"
    rm -f "$prefix/bin/mendel" "$share/applications/$id.desktop" "$share/metainfo/$id.metainfo.xml"
    rm -f "$icons/scalable/apps/$id.svg"
    for n in 16 32 48 64 128 256 512; do rm -f "$icons/${n}x${n}/apps/$id.png"; done
else
    test -x "$root/dist/Mendel/Mendel" || { echo "no dist/Mendel/Mendel: run make package" >&2; exit 1; }
    mkdir -p "$prefix/lib" "$prefix/bin" "$share/applications" "$share/metainfo" "$icons/scalable/apps"
    rm -rf "$prefix/lib/mendel"
    cp -a "$root/dist/Mendel" "$prefix/lib/mendel"
    ln -sf "$prefix/lib/mendel/Mendel" "$prefix/bin/mendel"
    # Exec and TryExec name the installed program, so the menu works without PATH.
    sed -e "s|^Exec=mendel|Exec=$prefix/bin/mendel|" -e "s|^TryExec=mendel|TryExec=$prefix/bin/mendel|" \
        "$here/$id.desktop" > "$share/applications/$id.desktop"
    cp "$here/$id.metainfo.xml" "$share/metainfo/"
    cp "$root/packaging/icons/mendel.svg" "$icons/scalable/apps/$id.svg"
    for n in 16 32 48 64 128 256 512; do
        mkdir -p "$icons/${n}x${n}/apps"
        cp "$root/packaging/icons/mendel-$n.png" "$icons/${n}x${n}/apps/$id.png"
    done
fi
# Refresh the menus and the icon cache where the tools exist (they do on a desktop).
command -v update-desktop-database > /dev/null && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache > /dev/null && gtk-update-icon-cache -q -t "$icons" 2> /dev/null || true
echo "mendel: $( [ $uninstall = yes ] && echo removed from || echo installed in ) $prefix"
