/** Inversify tokens of the composition root (the ports' own tokens live beside the ports). */
export const SERVER_CONFIG = Symbol.for('apiserver-kit.ServerConfig');
