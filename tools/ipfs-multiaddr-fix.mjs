// Loaded before js-ipfs (node --import) by tools/ipfs.sh when the node joins a swarm.
//
// js-ipfs 0.66 (libp2p 0.42) makes its multiaddrs with @multiformats/multiaddr 11, while its
// TCP transport resolves the package's top-level copy, 12.5: that version no longer accepts a
// version-11 multiaddr ("Must be a string, Uint8Array, Component[], or another Multiaddr"), so
// every swarm address was filtered out ("no valid addresses were provided for transports") and
// the peer store refused the transport's addresses ("multiaddr must be an instance of
// Multiaddr"), which broke identify and so bitswap. Here every import that would get the
// top-level 12.5 gets libp2p's own 11.6 instead: one version on both sides of the seam.
import { register } from 'node:module'
import { pathToFileURL } from 'node:url'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const modules = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules')
const topLevel = pathToFileURL(join(modules, '@multiformats', 'multiaddr')).href + '/'
const libp2pOwn = pathToFileURL(join(modules, 'libp2p', 'node_modules', '@multiformats', 'multiaddr', 'dist', 'src', 'index.js')).href

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const found = await next(specifier, context)
  if (specifier === '@multiformats/multiaddr' && found.url.startsWith(${JSON.stringify(topLevel)})) {
    return { ...found, url: ${JSON.stringify(libp2pOwn)} }
  }
  return found
}`))

// And no Nagle on the swarm's TCP connections: bitswap's small want and block messages would
// otherwise wait on the peer's delayed acknowledgement, some 250 ms a block between two nodes.
import net from 'node:net'
const connect = net.Socket.prototype.connect
net.Socket.prototype.connect = function (...args) {
  this.setNoDelay(true)
  return connect.apply(this, args)
}
const createServer = net.createServer
net.createServer = function (...args) {
  const server = createServer.apply(this, args)
  server.on('connection', (socket) => socket.setNoDelay(true))
  return server
}
