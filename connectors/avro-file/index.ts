export { createAvroFileConnector, connectorName, type AvroFileConnectorOptions } from './connector';
