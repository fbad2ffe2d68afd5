//! Statements gathered to run together: one round trip on SQLite.
//!
//! Why: on SQLite every statement is a round trip to the connection's worker
//! thread, and under load each trip waits for two threads to be scheduled —
//! about as long as the statement itself takes. SQLite runs a string of
//! several statements with their `?` parameters bound in order, so a batch's
//! flush (six multi-row inserts and upserts) costs one trip. PostgreSQL's
//! extended protocol takes one statement at a time, so there they run in turn.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryTrait, Statement, Values};

pub struct Script {
    backend: DbBackend,
    statements: Vec<Statement>,
}

impl Script {
    /// An empty script for the database behind `txn`.
    pub fn for_connection(txn: &impl ConnectionTrait) -> Self {
        Self {
            backend: txn.get_database_backend(),
            statements: Vec::new(),
        }
    }

    pub fn push(&mut self, query: &impl QueryTrait) {
        self.statements.push(query.build(self.backend));
    }

    /// Runs every statement gathered, in order, through `txn` (the connection
    /// the script was made for), and forgets them.
    pub async fn run<C: ConnectionTrait>(&mut self, txn: &C) -> Result<(), DbErr> {
        let statements = std::mem::take(&mut self.statements);
        match self.backend {
            DbBackend::Sqlite if statements.len() > 1 => {
                let mut sql = String::new();
                let mut values = Vec::new();
                for statement in statements {
                    sql.push_str(&statement.sql);
                    sql.push_str(";\n");
                    values.extend(
                        statement
                            .values
                            .map(|Values(values)| values)
                            .unwrap_or_default(),
                    );
                }
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    sql,
                    values,
                ))
                .await?;
            }
            _ => {
                for statement in statements {
                    txn.execute_raw(statement).await?;
                }
            }
        }
        Ok(())
    }
}
