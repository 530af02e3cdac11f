export { createAvroFileConnector, connectorName, type AvroFileConnectorOptions } from './connector';
export { OcfReader, type OcfHeader, type OcfBlock } from './ocf-reader';
export { OcfWriter, type OcfWriterOptions } from './ocf-writer';
export { listAvroFiles, scanHost, partitionDir, finalName } from './layout';
export { CODEC_NAMES, type CodecName } from './codecs';
