/// The network header a link layer announced.
enum NetworkLayerKind {
    case ipv4
    case ipv6
}
