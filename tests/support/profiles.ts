import { SERVICES } from './services.js';

export interface Profile {
  name: 'embedded' | 'services';
  env: Record<string, string>;
}

const embedded: Profile = { name: 'embedded', env: {} };
const services: Profile = {
  name: 'services',
  env: { DATABASE_URL: SERVICES.databaseUrl, REDIS_URL: SERVICES.redisUrl, KAFKA_BROKERS: SERVICES.kafkaBrokers },
};

/** The profiles this run covers: always the embedded default; the services one when global setup found them. */
export function profiles(): Profile[] {
  return process.env.NEXUS_SERVICES_PROFILE === 'on' ? [embedded, services] : [embedded];
}

export const servicesProfile = services;
export const servicesAvailable = () => process.env.NEXUS_SERVICES_PROFILE === 'on';
