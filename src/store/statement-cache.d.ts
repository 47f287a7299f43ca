import type Database from 'better-sqlite3';

export function statementCache(database: Database.Database, sizeMax: number): (sql: string) => Database.Statement;
