/** The network sensor-node source: nodes that publish to the kit's broker over the factory Wi-Fi. */
export { createNetworkNode, type NetworkNodeSource } from './networkNode.js';
