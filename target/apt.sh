# Sourced by the scripts that fetch arm64 Debian packages (the embedded
# target, the Raspberry Pi OS-layout test image): a private apt state under
# the cache, never the host's dpkg configuration (FACTS.md). Needs
# common.sh first.
#   apt_update                  refreshes the private lists (once a day)
#   pkg_field PKG[=VER] FIELD   a field of the package's record
#   download PKG[:ARCH] VERSION prints the cached .deb's path
#   download_arm64 PKG          the same, for the arm64 package's version

aptdir=$KMDASH_CACHE/apt
debdir=$aptdir/debs

apt_opts=(
	-o APT::Architecture=arm64
	-o APT::Architectures=arm64,amd64
	-o Dir::State::Lists="$aptdir/lists"
	-o Dir::Cache="$aptdir/cache"
	-o Dir::State::status=/dev/null
	-o Debug::NoLocking=1
	-o APT::Sandbox::User="$(id -un)"
	-o Acquire::Retries=2
)

apt_update()
{
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" \
		"$debdir"
	local stamp=$aptdir/lists/.updated
	if [ -z "${KMDASH_APT_REFRESH:-}" ] && [ -f "$stamp" ] &&
		[ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		return 0
	fi
	say "refreshing the private arm64 package lists ($aptdir/lists)"
	local out
	if out=$(apt-get "${apt_opts[@]}" -q update 2>&1) &&
		! grep -q '^[WE]: Failed to fetch' <<<"$out"; then
		touch "$stamp"
		return 0
	fi
	if ls "$aptdir/lists"/*_Packages* >/dev/null 2>&1; then
		warn "cannot refresh the package lists, using the old ones:"
		grep -E '^(W|E|Err):' <<<"$out" | head -3 >&2 || true
		return 0
	fi
	return 1
}

# pkg_field PKG[:ARCH][=VERSION] FIELD
pkg_field()
{
	apt-cache "${apt_opts[@]}" show --no-all-versions "$1" 2>/dev/null |
		sed -n "s/^$2: //p" | head -1
}

# download PKG[:ARCH] VERSION [ARCH] -> prints the path of the cached
# .deb (ARCH, when known, saves a look-up in the lists)
download()
{
	local spec=$1 ver=$2 file out arch=${3:-}
	[ -n "$arch" ] || arch=$(pkg_field "$spec=$ver" Architecture)
	[ -n "$arch" ] || die "package $spec (version $ver) is not in the Debian archive's lists ($aptdir/lists); try KMDASH_APT_REFRESH=1 make target"
	# apt-get download's file name: the epoch's colon is escaped.
	file=$debdir/${spec%%:*}_${ver//:/%3a}_$arch.deb
	if [ ! -s "$file" ]; then
		say "downloading $(basename "$file")" >&2
		if ! out=$(cd "$debdir" &&
			apt-get "${apt_opts[@]}" -q download "$spec=$ver" 2>&1); then
			printf '%s\n' "$out" | grep -E '^(E|W|Err):' >&2 || true
			die "could not download package $spec=$ver (apt-get download failed, see above)"
		fi
		[ -s "$file" ] || die "apt-get download of $spec=$ver left no $(basename "$file")"
	fi
	printf '%s\n' "$file"
}

# pkg_records PKG... -> "NAME VERSION ARCH DEPENDS..." per arm64 package,
# read from the lists in one pass (apt-cache takes seconds per call);
# DEPENDS are Depends and Pre-Depends, first alternatives, bare names.
pkg_records()
{
	local specs=() p
	for p in "$@"; do
		specs+=("$p:arm64")
	done
	apt-cache "${apt_opts[@]}" show --no-all-versions "${specs[@]}" \
		2>/dev/null | awk '
		function flush() { if (name != "") print name, ver, arch, deps; name = ""; deps = "" }
		/^Package: / { flush(); name = $2 }
		/^Version: / { ver = $2 }
		/^Architecture: / { arch = $2 }
		/^(Pre-)?Depends: / {
			sub(/^[^:]*: /, "")
			n = split($0, d, ",")
			for (i = 1; i <= n; i++) {
				sub(/\|.*/, "", d[i]); sub(/\(.*/, "", d[i])
				gsub(/ /, "", d[i]); sub(/:any$/, "", d[i])
				deps = deps " " d[i]
			}
		}
		END { flush() }'
}

download_arm64()
{
	local v
	v=$(pkg_field "$1:arm64" Version)
	[ -n "$v" ] || die "package $1 (arm64) is not in the Debian archive's lists"
	download "$1:arm64" "$v"
}
